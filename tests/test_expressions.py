"""The builder-expression glossary: the bundled file is complete, and `find` flags the right things."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lessons.expressions import (
    KINDS,
    Expression,
    ExpressionFileError,
    ExpressionGlossary,
    default_expressions_path,
)

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def glossary() -> ExpressionGlossary:
    return ExpressionGlossary.load(default_expressions_path())


def phrases(glossary: ExpressionGlossary, sentence: str) -> list[str]:
    return [expression.phrase for expression in glossary.find(sentence)]


# ---------------------------------------------------------------- the bundled glossary


def test_bundled_glossary_ships_inside_the_package() -> None:
    path = default_expressions_path()
    assert path.is_file()
    assert path.parent.parent == Path(__file__).parent.parent / "lessons"


def test_bundled_glossary_has_at_least_100_complete_entries(glossary: ExpressionGlossary) -> None:
    assert len(glossary) >= 100
    for expression in glossary:
        assert expression.kind in KINDS
        assert CJK.search(expression.zh), expression.phrase
        assert expression.example.strip(), expression.phrase
        assert expression.note is None or CJK.search(expression.note), expression.phrase


def test_bundled_glossary_covers_every_kind(glossary: ExpressionGlossary) -> None:
    assert {expression.kind for expression in glossary} == set(KINDS)


def test_every_example_is_matched_by_its_own_entry(glossary: ExpressionGlossary) -> None:
    missed = [e.phrase for e in glossary if e not in glossary.find(e.example)]
    assert missed == []


def test_phrases_are_unique(glossary: ExpressionGlossary) -> None:
    all_phrases = [expression.phrase.lower() for expression in glossary]
    assert len(all_phrases) == len(set(all_phrases))


def test_get_finds_an_entry_by_any_of_its_forms(glossary: ExpressionGlossary) -> None:
    entry = glossary.get("gave me pause")
    assert entry is not None and entry.phrase == "give pause"
    assert glossary.get("Low hanging fruit") is glossary.get("low-hanging fruit")
    assert glossary.get("not an expression at all") is None


# ---------------------------------------------------------------- real library sentences


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            "You wouldn't brag about your .min.js code being 1 LOC. Imo it would be a lot more simple "
            "if the code was given room to breathe and some comments.",
            ["LOC", "imo", "room to breathe"],
        ),
        (
            "Use LLMs for the tasks they are good at but be on a lookout for jagged edges, "
            "and keep a human in the loop.",
            ["jagged intelligence", "human in the loop"],
        ),
        (
            "So if you're using torch.compile you're already using a lot of triton under the hood, afaik "
            "PyTorch picks and chooses whether to call cuda kernels or triton for different ops / settings.",
            ["under the hood", "afaik"],
        ),
        (
            "Napkin math here is 1 A100 hour atm is ~$1 on cloud providers, so roughly 1.3M hours for 8B "
            "(see model card) would mean $1.3M.",
            ["napkin math", "atm"],
        ),
        (
            "Once we have a Reward Model vibe check, you run RL with respect to it, learning to play the "
            "moves that lead to good vibes.",
            ["vibe check", "vibes"],
        ),
        (
            "TLDR imo calls to encode/decode should never handle special tokens by parsing strings, "
            "I would deprecate this functionality entirely and forever.",
            ["TL;DR", "imo"],
        ),
        (
            "I played way too much ~20 years ago (~150 days of game time), "
            "on my fully decked out Mage (RIP).",
            ["RIP"],
        ),
        ("Um, these are kids vibe coding.", ["vibe coding"]),
        ("They display jagged intelligence.", ["jagged intelligence"]),
        (
            "So the way I like to think about LLMs is that they're kind of like people spirits.",
            ["people spirits"],
        ),
        ("And there should be an autonomy slider in your product.", ["autonomy slider"]),
        ("Software 2.0 are the weights which program neural networks.", ["Software 2.0"]),
        ("And yet, RLHF is a net helpful step of building an LLM Assistant.", ["net helpful"]),
        ("And there's still so much low-hanging fruit.", ["low-hanging fruit"]),
        ("And the rabbit hole there goes quite deep.", ["rabbit hole"]),
        ("(Fwiw we are currently upgrading llm.c to support Llama 3.1 training.)", ["fwiw"]),
        ("iirc once I get 10 silver I'll be able to form the guild.", ["iirc"]),
        ("(But for reasons that I tbh don’t always fully follow.)", ["tbh"]),
        ("Don’t quote me on it!", ["don't quote me on it"]),
        ("I'm not only GPU poor but disk poor too.", ["GPU poor"]),
        ("Feeling the AGI - you just talk to your computer and it does stuff, instantly.", ["feel the AGI"]),
        (
            "Nice, a serious contender to @lmsysorg in evaluating LLMs has entered the chat.",
            ["entered the chat"],
        ),
        (
            "The YouTube channel (and the community) is excellent if you like to make GPU go brrrr.",
            ["go brrr"],
        ),
        ("I'd rewind time for another run, though often in a type 2 fun kind of way.", ["type 2 fun"]),
        ("Also RE: replies on AGI delays haha, I've actually played lots of games.", ["RE"]),
        ("TIL, will look into!", ["TIL"]),
        ("Word.", ["word"]),
        ("Let's go!", ["let's go"]),
        ("Timely reminder ty :) I'm getting a lot of DMs about my earlier WoW guild mention.", ["ty", "DM"]),
        (
            "Or you can do command I which just you know let it rip do whatever you want in the entire repo.",
            ["let it rip"],
        ),
        (
            "We're running ~7% faster than PyTorch nightly, i.e. this baseline includes all modern & "
            "standard bells-and-whistles: mixed precision training.",
            ["bells and whistles"],
        ),
    ],
)
def test_finds_expressions_in_library_sentences(
    glossary: ExpressionGlossary, sentence: str, expected: list[str]
) -> None:
    assert phrases(glossary, sentence) == expected


def test_results_come_in_sentence_order_without_duplicates(glossary: ExpressionGlossary) -> None:
    sentence = "Strap in, imo this rabbit hole is deep, tbh, and imo the rabbit holes get deeper."
    assert phrases(glossary, sentence) == ["strap in", "imo", "rabbit hole", "tbh"]


def test_the_longest_form_wins_where_forms_overlap(glossary: ExpressionGlossary) -> None:
    assert phrases(glossary, "Ship it.") == ["ship it"]
    assert phrases(glossary, "Honestly that ship has sailed.") == ["that ship has sailed"]
    assert phrases(glossary, "Is vibe coding just vibes?") == ["vibe coding", "vibes"]


# ---------------------------------------------------------------- false positives


@pytest.mark.parametrize(
    "sentence",
    [
        "The scope of the project grew every week.",
        "SQLite is the most deployed and most used database.",
        "The reward model is transformer-based.",
        "Well, that's based on the comments.",
        "It is based off the original paper.",
        "Teams learn to cope with flaky tests.",
        "She won IMO gold with a perfect score.",
        "This LLM solves IMO-level problems now.",
        "We tested Gen-3 Alpha on the same prompts.",
        "This is the way to configure the runner.",
        "Wait til tomorrow for the results.",
        "Let's go through the code line by line.",
        "The mid-2024 models are already obsolete, as of mid 2025.",
        "The screen cracked and the team cracked the problem.",
        "We use CC for most of our coding now.",
        "Grok 3 is out today.",
        "They cooked up a quick demo overnight.",
        "I don't think it just works to go to chat and ask.",
        "The letters to his son and friends and colleagues.",
        "The ATM machine ate my card.",
        "The PR team rewrote the launch post.",
        "The library copes badly with unicode, in scope or out.",
    ],
)
def test_ordinary_english_is_not_flagged(glossary: ExpressionGlossary, sentence: str) -> None:
    assert phrases(glossary, sentence) == []


def test_shipped_it_is_the_verb_not_the_slogan(glossary: ExpressionGlossary) -> None:
    assert phrases(glossary, "We finally shipped it last week.") == ["shipped"]


def test_let_it_rip_is_not_rip(glossary: ExpressionGlossary) -> None:
    assert "RIP" not in phrases(glossary, "Just let it rip on the whole repo.")


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Based.", ["based"]),
        ("Based 🔥", ["based"]),
        ("Me: based", ["based"]),
        ("Deleting the config system entirely? That's so based.", ["based"]),
        ("Cope.", ["cope"]),
        ("Saying benchmarks don't matter now is pure cope.", ["cope"]),
        ("Write the eval first. This is the way.", ["this is the way"]),
        ("This. So much this.", ["so much this"]),
        ("There's alpha in reading the model card.", ["alpha"]),
        ("Honestly it's pretty mid.", ["mid"]),
    ],
)
def test_ambiguous_words_count_only_standalone_or_in_fixed_phrases(
    glossary: ExpressionGlossary, sentence: str, expected: list[str]
) -> None:
    assert phrases(glossary, sentence) == expected


# ---------------------------------------------------------------- spelling tolerance


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("It’s so over.", "it's so over"),
        ("its so over", "it's so over"),
        ("We’re so back!", "it's so over"),
        ("Don't quote me on that.", "don't quote me on it"),
        ("There is so much low hanging fruit here.", "low-hanging fruit"),
        ("There is so much low\u2011hanging fruit here.", "low-hanging fruit"),
        ("I got nerd sniped again.", "nerd-sniped"),
        ("I got nerdsniped again.", "nerd-sniped"),
        ("This was vibe-coded over a weekend.", "vibe coding"),
        ("The proof is hand wavy.", "hand-wavy"),
        ("Software-2.0 stacks eat code.", "Software 2.0"),
        ("IMHO the eval matters more.", "imho"),
        ("lgtm, merging", "lgtm"),
        ("That gave me pause.", "give pause"),
        ("Is AI really hitting a wall", "hit a wall"),
        ("Her 'vibe coding' post went viral.", "vibe coding"),
    ],
)
def test_matching_tolerates_case_apostrophes_and_hyphens(
    glossary: ExpressionGlossary, sentence: str, expected: str
) -> None:
    assert expected in phrases(glossary, sentence)


# ---------------------------------------------------------------- building and reading


def make(phrase: str, **fields: object) -> Expression:
    values: dict[str, object] = dict(
        phrase=phrase, variants=(), kind="slang", zh="测试用的解释。", example=f"An example with {phrase}."
    )
    values.update(fields)
    return Expression(**values)  # type: ignore[arg-type]


def test_unless_vetoes_only_the_overlapping_occurrence() -> None:
    glossary = ExpressionGlossary([make("alpha", unless=("Gen-3 Alpha",))])
    assert glossary.find("Gen-3 Alpha is out") == []
    assert [e.phrase for e in glossary.find("Gen-3 Alpha is out, and the alpha is in the evals")] == ["alpha"]


def test_a_form_claimed_by_two_entries_is_refused() -> None:
    with pytest.raises(ValueError, match=r"'ship' of 'ship' is also a form of 'shipped'"):
        ExpressionGlossary([make("shipped", variants=("ship",)), make("ship")])


def test_an_empty_glossary_finds_nothing() -> None:
    assert ExpressionGlossary([]).find("imo this is based") == []


ENTRY = """
  - phrase: "skill issue"
    kind: slang
    zh: "菜就多练。"
    example: "That's a skill issue."
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "expressions.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_minimal_file_loads(tmp_path: Path) -> None:
    glossary = ExpressionGlossary.load(write(tmp_path, "expressions:" + ENTRY))
    assert [e.phrase for e in glossary.find("Honestly, skill issue.")] == ["skill issue"]
    assert glossary.expressions[0].variants == ()
    assert glossary.expressions[0].note is None


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        (ENTRY.replace('    zh: "菜就多练。"\n', ""), "zh"),
        (ENTRY.replace('zh: "菜就多练。"', 'zh: "git gud"'), "zh"),
        (ENTRY.replace("kind: slang", "kind: meme"), "kind"),
        (ENTRY.replace('    example: "That\'s a skill issue."\n', ""), "example"),
        (ENTRY + '    exmaple: "typo"\n', "exmaple"),
        (ENTRY + '    variants: "skill issues"\n', "variants"),
        (ENTRY + "    variants: [1:1]\n", "variants"),
        (ENTRY + '    variants: ["skill-issue"]\n', "variants"),
        (ENTRY + "    case_sensitive: maybe\n", "case_sensitive"),
        (ENTRY + '    alone: ["skill issue"]\n    case_sensitive: true\n', "alone"),
        (ENTRY.replace('phrase: "skill issue"', 'phrase: "-- skill issue"'), "phrase"),
    ],
)
def test_a_malformed_entry_names_the_entry_and_field(tmp_path: Path, entry: str, field: str) -> None:
    path = write(tmp_path, "expressions:" + ENTRY.replace("skill issue", "hands down") + entry)
    with pytest.raises(ExpressionFileError) as caught:
        ExpressionGlossary.load(path)
    message = str(caught.value)
    assert isinstance(caught.value, ValueError)
    assert str(path) in message
    assert "expression #2" in message
    assert f"field {field!r}" in message


def test_a_malformed_entry_names_the_phrase_when_it_has_one(tmp_path: Path) -> None:
    path = write(tmp_path, "expressions:" + ENTRY.replace("kind: slang", "kind: meme"))
    with pytest.raises(ExpressionFileError, match=r"expression #1 \('skill issue'\), field 'kind'"):
        ExpressionGlossary.load(path)


def test_an_entry_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ExpressionFileError, match="expression #1"):
        ExpressionGlossary.load(write(tmp_path, "expressions:\n  - just a string\n"))


def test_a_form_shared_between_entries_is_refused(tmp_path: Path) -> None:
    other = ENTRY.replace('phrase: "skill issue"', 'phrase: "git gud"') + '    variants: ["skill-issue"]\n'
    with pytest.raises(
        ExpressionFileError, match=r"'skill-issue' of 'git gud' is also a form of 'skill issue'"
    ):
        ExpressionGlossary.load(write(tmp_path, "expressions:" + ENTRY + other))


@pytest.mark.parametrize(
    "text",
    ["expressions: [unclosed\n", "- phrase: imo\n", "glossary:" + ENTRY, ""],
)
def test_a_file_without_an_expressions_list_is_refused(tmp_path: Path, text: str) -> None:
    with pytest.raises(ExpressionFileError):
        ExpressionGlossary.load(write(tmp_path, text))
