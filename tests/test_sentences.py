"""Sentence segmentation: where builder posts end their sentences, in English and in Chinese.

The sentences here are written for these tests, not taken from the library the
segmenter was tuned on: they check the rules, not the memory of a post.
"""

from __future__ import annotations

import pytest

from lessons.sentences import sentence_offsets, split_sentences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A word before the full stop that merely looks like an abbreviation ends the sentence.
        (
            "Step 2 Fast I/O. Stream every tensor from disk.",
            ["Step 2 Fast I/O.", "Stream every tensor from disk."],
        ),
        (
            "We tried SGD, Adam, etc. Nothing beat the baseline.",
            ["We tried SGD, Adam, etc.", "Nothing beat the baseline."],
        ),
        ("It takes ~2 hr. Then the eval runs.", ["It takes ~2 hr.", "Then the eval runs."]),
        ("The kernel is 40 LOC. Imo that is plenty.", ["The kernel is 40 LOC.", "Imo that is plenty."]),
        ("He sat next to me. Nobody noticed.", ["He sat next to me.", "Nobody noticed."]),
        # ...but "etc." goes on before a lower-case word.
        ("Cats, dogs, etc. are all welcome here.", ["Cats, dogs, etc. are all welcome here."]),
        # A full stop inside a word is no boundary: code, files, versions, URLs.
        ("Subclass nn.Module and call forward. Done.", ["Subclass nn.Module and call forward.", "Done."]),
        (
            "Open train.py in v0.3.1 from pytorch.org today.",
            ["Open train.py in v0.3.1 from pytorch.org today."],
        ),
        ("Read llm.c. The rest is noise.", ["Read llm.c.", "The rest is noise."]),
        # Words that introduce something never end a sentence.
        ("Use a small model, e.g. GPT-2 small, first.", ["Use a small model, e.g. GPT-2 small, first."]),
        ("Same data, i.e. The Pile, for both.", ["Same data, i.e. The Pile, for both."]),
        ("It is PyTorch vs. JAX again. Pick one.", ["It is PyTorch vs. JAX again.", "Pick one."]),
        ("Ask Dr. Rivera about it.", ["Ask Dr. Rivera about it."]),
        # Initials go on unless a typical sentence opener follows.
        ("The U.S. Census Bureau counts it.", ["The U.S. Census Bureau counts it."]),
        (
            "I moved back to the U.S. Then I started a lab.",
            ["I moved back to the U.S.", "Then I started a lab."],
        ),
        ("Measure it w.r.t. latency, not cost.", ["Measure it w.r.t. latency, not cost."]),
        # Lower-case posts end sentences before lower-case words too.
        ("nope. it is slower. way slower.", ["nope.", "it is slower.", "way slower."]),
        # Brackets and quotes.
        (
            "(This part is my own guess. Take it lightly.) Now the facts.",
            ["(This part is my own guess.", "Take it lightly.)", "Now the facts."],
        ),
        (
            "We waited hours (days, once!) for the job to finish.",
            ["We waited hours (days, once!) for the job to finish."],
        ),
        ('She wrote "done." Then she left.', ['She wrote "done."', "Then she left."]),
        ("It was odd (maybe? hard to say) but fine.", ["It was odd (maybe? hard to say) but fine."]),
        # Ellipses end a sentence only before a capital.
        (
            "It was... fine, I guess. Then it broke... Again.",
            ["It was... fine, I guess.", "Then it broke...", "Again."],
        ),
        # Smileys and special tokens stand on their own.
        ("Ship it :) Then we celebrate.", ["Ship it :)", "Then we celebrate."]),
        ("That was a long week. :D", ["That was a long week.", ":D"]),
        ("All done. <|endoftext|>", ["All done.", "<|endoftext|>"]),
        ("We shipped it. lol", ["We shipped it.", "lol"]),
        (":) I liked it. It was fun.", [":) I liked it.", "It was fun."]),
        # A lone word after "!" is part of a name.
        ("Chapter 3: Wow! signal", ["Chapter 3: Wow! signal"]),
        # List markers start the sentence they number.
        (
            "Two steps: 1. tokenize the text. 2. train the model.",
            ["Two steps:", "1. tokenize the text.", "2. train the model."],
        ),
        ("Count from 1 to 10. Then stop.", ["Count from 1 to 10.", "Then stop."]),
        # Bare punctuation is no sentence of its own.
        ("!!! Never trust user input !!!", ["!!! Never trust user input !!!"]),
    ],
)
def test_english_sentences(text: str, expected: list[str]) -> None:
    assert list(split_sentences(text, "en")) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我们先训练。然后评估！", ["我们先训练。", "然后评估！"]),
        ("（这是我的猜测。）接下来是事实。", ["（这是我的猜测。）", "接下来是事实。"]),
        (
            "我们等了好几天（有一次甚至一周！）才等到结果。",
            ["我们等了好几天（有一次甚至一周！）才等到结果。"],
        ),
        ("新功能（马上就来！）、新模型和新数据。", ["新功能（马上就来！）、新模型和新数据。"]),
        ("链接在这里：piped.video/watch?v=abc123", ["链接在这里：piped.video/watch?v=abc123"]),
        ("这只是一个习惯。o3 也许是个例外。", ["这只是一个习惯。", "o3 也许是个例外。"]),
        ("为什么还要写脚本呢?LLM 可以直接做。", ["为什么还要写脚本呢?", "LLM 可以直接做。"]),
        ("两个步骤：1. 分词 2. 训练", ["两个步骤：", "1. 分词 2. 训练"]),
        ("他说：「先发布。再修复。」", ["他说：「先发布。", "再修复。」"]),
        ("事情是这样的…… 后来就好了。", ["事情是这样的…… 后来就好了。"]),
        ("祝你玩得开心！ :)", ["祝你玩得开心！", ":)"]),
    ],
)
def test_chinese_sentences(text: str, expected: list[str]) -> None:
    assert list(split_sentences(text, "zh")) == expected


def test_every_sentence_is_a_slice_of_the_paragraph() -> None:
    text = "First line. Second sentence!\n  - an indented item :)\n\nLast one... Really."
    spans = sentence_offsets(text, "en")
    assert [text[a:b] for a, b in spans] == list(split_sentences(text, "en"))
    assert "".join(text[a:b] for a, b in spans).replace(" ", "") == "".join(text.split())
