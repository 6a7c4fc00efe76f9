"""`buildspeak translate ID` against a local OpenAI-compatible fake: what is asked, what is written
back into the post file, and every answer an operator can get."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import build_app
from bot.learning.translation import CHUNK_CHARS, SYSTEM
from lessons.cards import paragraph_cards
from lessons.library import Library
from tests.fakes.openai_api import FakeOpenAIServer

POST_ID = "x-1700000000000000001"
FIRST = "Vibe coding is fun. You ship it fast. Then the bugs arrive at 3am."
SECOND = "Strap in. The agents are coming for the boring parts of the job. Keep the fun ones."
HEADER = f"""---
id: {POST_ID}
kind: post
author: Test Builder
handle: tester
date: '2025-01-03'
source: https://x.com/tester/status/1700000000000000001
added: '2026-11-01'
imported_hash: abc123
---

"""


@pytest.fixture
def library(tmp_path: Path) -> Path:
    folder = tmp_path / "library"
    folder.mkdir()
    (folder / f"{POST_ID}.md").write_text(HEADER + f"{FIRST}\n\n{SECOND}\n", encoding="utf-8")
    return folder


def env_for(library: Path, fake: FakeOpenAIServer | None) -> dict[str, str]:
    env = {
        "BUILDSPEAK_LIBRARY__PATH": str(library),
        "BUILDSPEAK_LIBRARY__PINS": str(library.parent / "pins.toml"),
        "BUILDSPEAK_CALENDAR__START": "2026-11-01",
        "LLM_BASE_URL": fake.base_url if fake else "",
        "LLM_MODEL": fake.model if fake else "",
        "LLM_API_KEY": fake.api_key or "" if fake else "",
        "BUILDSPEAK_LLM__RETRIES": "0",
        "COLUMNS": "200",
    }
    return env


async def translate(env: dict[str, str], *args: str) -> tuple[int, str]:
    """The command runs its own event loop, so it runs in a thread beside the fake's."""
    result = await asyncio.to_thread(CliRunner().invoke, build_app(), ["translate", *args], env=env)
    return result.exit_code, result.output


def sentence_by_sentence(body: dict) -> str:
    """A translator that numbers what it got: one Chinese sentence per English one."""
    english = body["messages"][-1]["content"].split("Translate:\n\n", 1)[1]
    count = len(re.findall(r"[.!?](?:\s|$)", english))
    return "".join(f"第{n}句译文，保留 agent。" for n in range(1, count + 1))


async def test_missing_chinese_is_translated_and_written_into_the_post_file(library: Path) -> None:
    async with FakeOpenAIServer() as fake:
        fake.answer = sentence_by_sentence
        code, output = await translate(env_for(library, fake), POST_ID)

        assert code == 0, output
        assert "saved 2 paragraph(s)" in output
        first, second = fake.requests
        assert first["messages"][0] == {"role": "system", "content": SYSTEM}
        assert first["messages"][-1]["content"].endswith(FIRST) and second["messages"][-1][
            "content"
        ].endswith(SECOND)
        assert first["model"] == fake.model and first["temperature"] == pytest.approx(0.2)

    text = (library / f"{POST_ID}.md").read_text(encoding="utf-8")
    assert "imported_hash: abc123" in text  # a re-import of the unchanged source keeps the translation
    post = Library.load(library).posts[POST_ID]
    assert post.translated
    cards = paragraph_cards(post.paragraphs[0], 0)
    assert [(card.en, card.zh) for card in cards] == [
        ("Vibe coding is fun.", "第1句译文，保留 agent。"),
        ("You ship it fast.", "第2句译文，保留 agent。"),
        ("Then the bugs arrive at 3am.", "第3句译文，保留 agent。"),
    ]


async def test_a_translated_post_is_left_alone_unless_asked_for_all(library: Path) -> None:
    async with FakeOpenAIServer() as fake:
        fake.answer = sentence_by_sentence
        await translate(env_for(library, fake), POST_ID)
        code, output = await translate(env_for(library, fake), POST_ID)
        assert code == 0 and "already translated" in output
        assert len(fake.requests) == 2

        fake.reply_with("重新翻译的一句话。")
        code, output = await translate(env_for(library, fake), POST_ID, "--all")
        assert code == 0 and "saved 2 paragraph(s)" in output
    assert Library.load(library).posts[POST_ID].paragraphs[1].zh == "重新翻译的一句话。"


async def test_a_failed_paragraph_is_reported_and_a_second_run_retries_only_it(library: Path) -> None:
    async with FakeOpenAIServer() as fake:
        fake.answer = sentence_by_sentence
        fake.fail_next(500)  # the first paragraph's only attempt
        code, output = await translate(env_for(library, fake), POST_ID)

        assert code == 1
        assert "saved 1 paragraph(s)" in output and "paragraph 1 not translated" in output
        assert "run the command again" in output
        paragraphs = Library.load(library).posts[POST_ID].paragraphs
        assert paragraphs[0].zh is None and paragraphs[1].zh

        code, output = await translate(env_for(library, fake), POST_ID)
        assert code == 0 and "saved 1 paragraph(s)" in output
        assert fake.requests[-1]["messages"][-1]["content"].endswith(FIRST)
    assert Library.load(library).posts[POST_ID].translated


async def test_an_answer_that_is_not_chinese_is_not_written(library: Path) -> None:
    async with FakeOpenAIServer() as fake:
        fake.reply_with("Sorry, I can't help with that.")
        code, output = await translate(env_for(library, fake), POST_ID)

    assert code == 1 and "the answer is not Chinese" in output
    assert not any(p.zh for p in Library.load(library).posts[POST_ID].paragraphs)


async def test_a_long_paragraph_goes_in_chunks_of_whole_sentences(library: Path) -> None:
    sentence = "Agents read the docs, run the tests and open a pull request before lunch."
    long = " ".join([sentence] * (CHUNK_CHARS // len(sentence) + 5))
    (library / f"{POST_ID}.md").write_text(HEADER + long + "\n", encoding="utf-8")
    async with FakeOpenAIServer() as fake:
        fake.answer = sentence_by_sentence
        code, output = await translate(env_for(library, fake), POST_ID)

        assert code == 0, output
        sent = [r["messages"][-1]["content"].split("Translate:\n\n", 1)[1] for r in fake.requests]
        assert len(sent) == 2 and all(len(chunk) <= CHUNK_CHARS for chunk in sent)
        assert " ".join(sent) == long
    zh = Library.load(library).posts[POST_ID].paragraphs[0].zh
    assert zh is not None and zh.count("句译文") == long.count(".")


async def test_a_lesson_id_translates_its_post(library: Path) -> None:
    async with FakeOpenAIServer() as fake:
        fake.answer = sentence_by_sentence
        code, output = await translate(env_for(library, fake), POST_ID)  # the post is one lesson, same id
        assert code == 0, output


async def test_without_a_model_it_says_what_to_set(library: Path) -> None:
    code, output = await translate(env_for(library, None), POST_ID)
    assert code == 2
    assert "LLM_BASE_URL" in output and "LLM_MODEL" in output


async def test_an_unknown_id_is_a_clear_error(library: Path) -> None:
    async with FakeOpenAIServer() as fake:
        code, output = await translate(env_for(library, fake), "x-404")
        assert code == 1 and "no post or lesson with id 'x-404'" in output
        assert fake.requests == []


def test_the_fake_answer_mirrors_sentences() -> None:
    body = {"messages": [{"role": "user", "content": "Translate:\n\nOne. Two!"}]}
    assert (
        sentence_by_sentence(json.loads(json.dumps(body))) == "第1句译文，保留 agent。第2句译文，保留 agent。"
    )
