"""Sentence cards: segmentation of real posts and alignment with their translations."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lessons.cards import paragraph_cards, sentence_spans
from lessons.library import Library
from lessons.post import Paragraph

BUNDLED = Path(__file__).parent.parent / "lessons" / "library"


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def library() -> Library:
    return Library.load(BUNDLED)


def test_concatenated_cards_give_back_every_bundled_post(library: Library) -> None:
    """Nothing is ever lost: English and Chinese, in order, for every post in the library."""
    for post in library.posts.values():
        cards = [card for i, p in enumerate(post.paragraphs) for card in paragraph_cards(p, i)]
        assert squeeze("".join(card.en for card in cards)) == squeeze(
            "".join(p.en for p in post.paragraphs)
        ), post.id
        assert squeeze("".join(card.zh or "" for card in cards)) == squeeze(
            "".join(p.zh or "" for p in post.paragraphs)
        ), post.id


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Three examples of new horizons: 1. menugen: an app. 2. install .md skills instead.",
            ["Three examples of new horizons:", "1. menugen: an app.", "2. install .md skills instead."],
        ),
        (
            "See github.com/karpathy/llm.c for details. It is v2.1 now, e.g. faster.",
            ["See github.com/karpathy/llm.c for details.", "It is v2.1 now, e.g. faster."],
        ),
        (
            "The U.S. team scored 3.5 points... Then they left.",
            ["The U.S. team scored 3.5 points...", "Then they left."],
        ),
        ('He said "ship it." Then we did.', ['He said "ship it."', "Then we did."]),
        (
            "Strength of Llama 3 8B\nWe see that it was trained.",
            ["Strength of Llama 3 8B", "We see that it was trained."],
        ),
        ("Wow 🤯 this is great. Love it 🔥", ["Wow 🤯 this is great.", "Love it 🔥"]),
        ("Pick between 1 and 10. What now?", ["Pick between 1 and 10.", "What now?"]),
        ("This is software 2.0. And more.", ["This is software 2.0.", "And more."]),
    ],
)
def test_english_segmentation_on_builder_text(text: str, expected: list[str]) -> None:
    assert [text[a:b] for a, b in sentence_spans(text, "en")] == expected


def test_chinese_closing_quote_stays_with_its_sentence() -> None:
    text = "他说：“把这个直接给你的 LLM 看。”然后就走了。"
    assert [text[a:b] for a, b in sentence_spans(text, "zh")] == [
        "他说：“把这个直接给你的 LLM 看。”",
        "然后就走了。",
    ]


def test_one_to_one_pairs_follow_the_translation() -> None:
    paragraph = Paragraph(
        en="Consider being a labeler for an LLM. The prompt is a random number between 1 and 10. "
        "What SFT & RM labels do you contribute?",
        zh="设想一下，你是一名 LLM 的标注员。提示是 1 到 10 之间的随机数。你会提供哪些 SFT 和 RM 标签？",
    )
    cards = paragraph_cards(paragraph, 0)
    assert [(c.en[:20], c.zh[:8]) for c in cards] == [
        ("Consider being a lab", "设想一下，你是一"),
        ("The prompt is a rand", "提示是 1 到 "),
        ("What SFT & RM labels", "你会提供哪些 S"),
    ]


def test_a_translator_merge_becomes_one_card_not_a_mispair() -> None:
    paragraph = Paragraph(
        en="The 3 key elements of a good dataset: quality, diversity, quantity. "
        "You can only easily measure the last one. But the performance is a sensitive function of all three.",
        zh="一个好的数据集有三个关键要素：质量、多样性和数量。你只能轻易地衡量最后一个，但性能对这三者都非常敏感。",
    )
    cards = paragraph_cards(paragraph, 0)
    assert len(cards) == 2
    assert cards[1].en.startswith("You can only") and cards[1].en.endswith("all three.")
    assert cards[1].zh.startswith("你只能轻易地衡量")


def test_untranslated_paragraph_makes_english_only_cards() -> None:
    cards = paragraph_cards(Paragraph(en="First sentence here. Second one.", start=75.0), 3)
    assert [(c.en, c.zh, c.paragraph) for c in cards] == [
        ("First sentence here.", None, 3),
        ("Second one.", None, 3),
    ]
    assert [c.start for c in cards] == [75.0, None], "the paragraph's time is its first sentence's"


def pairs(en: str, zh: str) -> list[tuple[str, str | None]]:
    return [(card.en, card.zh) for card in paragraph_cards(Paragraph(en=en, zh=zh), 0)]


def test_a_boundary_after_an_abbreviation_like_word_keeps_every_later_pair_in_place() -> None:
    assert pairs(
        "Step 1 Multimodal I/O. Enable text/audio/image/video capability, both read and write. "
        "These are the native human APIs, so to speak.",
        "步骤 1 多模态 I/O。实现文本、音频、图像和视频的处理能力，涵盖读取和写入。"
        "可以说，这些就是人类的原生 API。",
    ) == [
        ("Step 1 Multimodal I/O.", "步骤 1 多模态 I/O。"),
        (
            "Enable text/audio/image/video capability, both read and write.",
            "实现文本、音频、图像和视频的处理能力，涵盖读取和写入。",
        ),
        ("These are the native human APIs, so to speak.", "可以说，这些就是人类的原生 API。"),
    ]


@pytest.mark.parametrize("closing", [":D", "lol", "Thank you!", "<|endoftext|>"])
def test_a_closing_sentence_the_translation_lacks_stands_alone_as_english_only(closing: str) -> None:
    en = f"We trained the model for two weeks on eight GPUs. The results look great.\n{closing}"
    assert pairs(en, "我们在八块 GPU 上训练了两周。结果看起来很棒。") == [
        ("We trained the model for two weeks on eight GPUs.", "我们在八块 GPU 上训练了两周。"),
        ("The results look great.", "结果看起来很棒。"),
        (closing, None),
    ]


@pytest.mark.parametrize("closing", [":D", "lol", "Thank you!"])
def test_the_same_closing_on_the_same_line_stands_alone_too(closing: str) -> None:
    en = f"We trained the model for two weeks on eight GPUs. The results look great. {closing}"
    cards = pairs(en, "我们在八块 GPU 上训练了两周。结果看起来很棒。")
    assert cards[-1] == (closing, None)
    assert cards[-2] == ("The results look great.", "结果看起来很棒。")


def test_a_closing_the_translation_renders_is_paired_not_dropped() -> None:
    assert pairs("The results look great. Thank you!", "结果看起来很棒。谢谢大家！") == [
        ("The results look great.", "结果看起来很棒。"),
        ("Thank you!", "谢谢大家！"),
    ]


def test_an_english_only_sentence_in_the_middle_keeps_its_neighbours_pairs() -> None:
    assert pairs(
        "I read the whole book in one sitting. Thank you! It was a gift from a friend.",
        "我一口气读完了整本书。这是朋友送的礼物。",
    ) == [
        ("I read the whole book in one sitting.", "我一口气读完了整本书。"),
        ("Thank you!", None),
        ("It was a gift from a friend.", "这是朋友送的礼物。"),
    ]


def test_a_translation_cut_across_the_english_sentences_becomes_one_coarser_card() -> None:
    """The first Chinese sentence ends in the middle of the second English one: no pair of
    cards is right, so the aligner gives the learner the whole paragraph at once."""
    en = (
        "Training data. Llama 2 was trained on 2 trillion tokens, Llama 3 on 15T tokens, with 4X more "
        "code. (5% of it is not English.)"
    )
    zh = (
        "训练数据：Llama 2 在 2 万亿个 Token 上训练，而 Llama 3 在 15 万亿个 Token 上训练。"
        "代码 Token 增加了 4 倍（其中 5% 不是英语）。"
    )
    assert pairs(en, zh) == [(en, zh)]
