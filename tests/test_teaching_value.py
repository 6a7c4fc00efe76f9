"""Teaching value: chapter lists, tables of contents and link lists score low, prose scores high,
and the threshold is a setting that reaches the calendar and `lessons list`."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import build_app
from bot.settings import SettingsError, load_settings
from lessons.lesson import Lesson, lessons_of
from lessons.library import Library
from lessons.post import Paragraph, Post
from lessons.sizing import LessonSizing
from lessons.teaching_value import TeachingRule, TeachingValue, sentence_kind, teaching_value
from lessons.vocabulary import Dictionary, default_dictionary_path

CHAPTER_LIST = """00:31:00 implementing the forward pass to get logits
00:33:31 sampling init, prefix tokens, tokenization
00:37:02 sampling loop
00:41:47 sample, auto-detect the device
00:45:50 let’s train: data batches (B,T) → logits (B,T,C)
00:52:53 cross entropy loss
00:56:42 optimization loop: overfit a single batch
01:02:00 data loader lite"""

TABLE_OF_CONTENTS = """A treatise by o1-pro, prompted iteratively:
Chapter 1: The Constitutional Framework Under Modern Strain
Chapter 2: Liberty and Surveillance in the Digital Age
Chapter 3: Political Parties and the Founders’ Intentions
Chapter 4: Economic Power and Corporate Influence
Chapter 5: Equality and Civil Rights Beyond the Eighteenth Century
Chapter 6: Education, Citizenship, and Civic Virtue
Chapter 7: Religion, Secularism, and the Public Sphere"""

URL_LIST = """Papers worth reading this week:
arxiv.org/abs/1410.5401
https://arxiv.org/abs/1308.0850
github.com/karpathy/llm.c
www.youtube.com/watch?v=l8pRSuU81PU
Slides: karpathy.ai/talk.pdf"""

PROSE = (
    "Consider being a labeler for an LLM. The prompt is a question about a subtle bug in a "
    "distributed training run. You are expected to write the ideal response, which requires "
    "expertise that most labelers simply do not have. So the model imitates a confident guess, "
    "and the eventual answer is only as good as the average labeler."
)

TALK = (
    "Um, okay. Yeah. So I'm excited to be here today to talk to you about software in the era of AI. "
    "Software is changing quite fundamentally again, and I think that's a huge opportunity."
)


@pytest.fixture(scope="module")
def dictionary() -> Dictionary:
    return Dictionary.load(default_dictionary_path())


def value_of(text: str, dictionary: Dictionary) -> TeachingValue:
    return teaching_value(text.splitlines(), dictionary)


def post(post_id: str, text: str) -> Post:
    return Post(
        id=post_id,
        kind="post",
        author="Andrej Karpathy",
        date=dt.date(2024, 6, 9),
        source=f"https://x.com/karpathy/status/{post_id.removeprefix('x-')}",
        added=dt.date(2026, 11, 1),
        paragraphs=(Paragraph(en=text),),
    )


def lesson(post_id: str, text: str) -> Lesson:
    return lessons_of(post(post_id, text), LessonSizing(), 200)[0]


def test_a_chapter_list_is_timestamps_and_teaches_nothing(dictionary: Dictionary) -> None:
    value = value_of(CHAPTER_LIST, dictionary)
    assert value.share("timestamp") == 1
    assert value.score == 0
    assert "100% 时间戳 timestamps" in (TeachingRule(dictionary).reason(lesson("x-1", CHAPTER_LIST)) or "")


def test_a_table_of_contents_is_titles(dictionary: Dictionary) -> None:
    value = value_of(TABLE_OF_CONTENTS, dictionary)
    assert value.kinds == {"prose": 1, "names": 7}
    assert value.score < 0.2


def test_a_list_of_links_is_links(dictionary: Dictionary) -> None:
    value = value_of(URL_LIST, dictionary)
    assert value.kinds == {"prose": 1, "link": 5}
    assert value.score < 0.2


def test_a_prose_post_scores_high(dictionary: Dictionary) -> None:
    value = teaching_value([PROSE], dictionary)
    assert value.kinds == {"prose": 1}
    assert value.key_words_per_sentence >= 1
    assert value.score == 1
    assert TeachingRule(dictionary).reason(lesson("x-2", PROSE)) is None


def test_talk_filler_is_prose_and_a_talk_passes(dictionary: Dictionary) -> None:
    assert sentence_kind("Um, okay.") == sentence_kind("Yeah.") == "prose"
    talk = lesson("x-3", TALK)
    assert TeachingRule(dictionary).schedules(talk)


@pytest.mark.parametrize(
    ("sentence", "kind"),
    [
        ("[1:02:15] and then we train it", "timestamp"),
        ("github.com/karpathy/build-na…", "link"),
        ("Code: github.com/karpathy/llm.c", "link"),
        ("The code is on GitHub at github.com/karpathy/llm.c if you want it.", "prose"),
        ("model = GPT2.from_pretrained('gpt2')", "code"),
        ("6 * 8e9 * 15e12 = 7.2e23", "code"),
        ("- sampling loop", "fragment"),
        ("1. quality", "fragment"),
        (":D :D :D", "fragment"),
        ("- ask it to generate multiple scenes and give visual descriptions for them", "prose"),
        ("Ep 9: Göbekli Tepe", "names"),
        ('"Sequence to Sequence Learning with Neural Networks"', "names"),
        ("Nice!", "prose"),
    ],
)
def test_sentence_kinds(sentence: str, kind: str) -> None:
    assert sentence_kind(sentence) == kind


def test_prose_with_nothing_to_learn_counts_half(dictionary: Dictionary) -> None:
    value = teaching_value(["Nice!", "Have fun!", "I am so happy for you."], dictionary)
    assert value.share("prose") == 1 and value.key_words == 0
    assert value.score == pytest.approx(0.5)


def test_the_threshold_decides_and_the_reason_says_why(dictionary: Dictionary) -> None:
    half_links = lesson("x-4", f"{PROSE}\narxiv.org/abs/1410.5401\ngithub.com/karpathy/llm.c")
    assert TeachingRule(dictionary).value(half_links).score == pytest.approx(2 / 3)
    assert TeachingRule(dictionary, min_score=0.5).schedules(half_links)
    strict = TeachingRule(dictionary, min_score=0.8)
    assert not strict.schedules(half_links)
    assert strict.reason(half_links) == "不排课 not scheduled (0.67 < 0.8): 33% 链接 URLs"
    assert TeachingRule(dictionary, min_score=0).schedules(lesson("x-5", CHAPTER_LIST))


def test_the_setting_is_read_and_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("BUILDSPEAK_"):
            monkeypatch.delenv(name)
    config = tmp_path / "buildspeak.toml"
    config.write_text("[lessons]\nmin_teaching_value = 0.2\n", encoding="utf-8")
    assert load_settings(config).lessons.min_teaching_value == 0.2
    config.write_text("", encoding="utf-8")
    assert load_settings(config).lessons.min_teaching_value == 0.5
    config.write_text("[lessons]\nmin_teaching_value = 1.5\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="min_teaching_value"):
        load_settings(config)


@pytest.fixture
def cli_library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A library of one prose post and one chapter list, and the CLI's settings pointed at it."""
    for name in list(os.environ):
        if name.startswith("BUILDSPEAK_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("BUILDSPEAK_LIBRARY__PATH", str(tmp_path / "library"))
    monkeypatch.setenv("BUILDSPEAK_LIBRARY__PINS", str(tmp_path / "pins.toml"))
    monkeypatch.setenv("BUILDSPEAK_CALENDAR__START", "2026-11-01")
    monkeypatch.setenv("COLUMNS", "200")
    library = Library.load(tmp_path / "library")
    library.save(post("x-100", PROSE))
    library.save(post("x-200", CHAPTER_LIST))
    return tmp_path / "library"


def cli(*args: str) -> str:
    result = CliRunner().invoke(build_app(), list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_lessons_list_shows_why_a_lesson_is_not_scheduled(cli_library: Path) -> None:
    lines = {line.split()[0]: line for line in cli("lessons", "list").splitlines() if line.startswith("x-")}
    assert "⛔" not in lines["x-100"]
    assert "⛔ 不排课 not scheduled (0.00 < 0.5): 100% 时间戳 timestamps" in lines["x-200"]
    rows = {row["id"]: row for row in json.loads(cli("lessons", "list", "--json"))}
    assert rows["x-200"]["scheduled"] is False and rows["x-200"]["teaching_value"] == 0
    assert rows["x-100"]["reason"] is None
    archive = json.loads(cli("lessons", "archive", "--until", "2026-11-05", "--json"))
    assert {day["lesson"] for day in archive} == {"x-100"}
    assert json.loads(cli("lesson", "show", "x-200", "--json"))["id"] == "x-200"


def test_the_setting_reaches_the_calendar(cli_library: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUILDSPEAK_LESSONS__MIN_TEACHING_VALUE", "0")
    assert "⛔" not in cli("lessons", "list")
    archive = json.loads(cli("lessons", "archive", "--until", "2026-11-05", "--json"))
    assert {day["lesson"] for day in archive} == {"x-100", "x-200"}


def test_pinning_an_unscheduled_lesson_keeps_it_and_says_so(cli_library: Path) -> None:
    day = str(dt.date.today() + dt.timedelta(days=3))
    output = cli("lessons", "pin", day, "x-200")
    assert "pinned anyway" in output and "时间戳 timestamps" in output
    shown = json.loads(cli("lesson", "today", "--date", day, "--json"))
    assert (shown["id"], shown["pinned"]) == ("x-200", True)
