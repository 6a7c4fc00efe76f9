"""A member studies on Discord through the real discord.py client and the local fake Discord:
slash commands from the core's registry, answers only they see, buttons that keep working across
a restart, the vocabulary book."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlmodel import Session

from bot.adapters.discord import command_payloads
from bot.core.commands import default_commands
from bot.core.turn import Services
from tests.adapters.discord_adapter.harness import School, running_adapter
from tests.fakes.discord_api import FakeDiscordServer, FakeInteraction, StoredAttachment, StoredMessage

Sessions = Callable[[], Session]
NEXT = "下一句 ▶"
CALLBACK = "POST /interactions/{interaction_id}/{interaction_token}/callback"


def button_id(message: StoredMessage, label: str) -> str:
    for component in _buttons(message.components):
        if component.get("label") == label:
            return str(component["custom_id"])
    raise AssertionError(f"no button {label!r} in {message.components}")


async def today_card(fake: FakeDiscordServer, world: School) -> tuple[FakeInteraction, StoredMessage]:
    """/today by the student: the first card, and no hint to subscribe (a member's lessons come
    in their server's channel; there is no /start on Discord)."""
    today = await fake.wait_for_response(
        await fake.slash_command("today", user_id=world.student.id, channel_id=world.general.id)
    )
    assert today.message is not None and today.followups == []
    assert "/start" not in today.message.content
    return today, today.message


def _buttons(components: list[dict[str, object]]) -> list[dict[str, object]]:
    found = []
    for component in components:
        inner = component.get("components")
        if isinstance(inner, list):
            found += _buttons(inner)
        elif component.get("type") == 2:
            found.append(component)
    return found


def test_the_slash_commands_are_the_registrys_with_chinese_descriptions() -> None:
    payloads = {payload["name"]: payload for payload in command_payloads(default_commands())}
    assert {"today", "save", "words", "forget", "export", "explain", "quiz", "stats", "help"} <= set(payloads)
    assert "start" not in payloads and "time" not in payloads, "a server is set up by its admins' command"
    save = payloads["save"]
    assert save["description_localizations"] == {"zh-CN": "收藏单词到生词本"}
    (words,) = save["options"]
    assert (words["name"], words["type"], words["required"]) == ("words", 3, False)


async def test_commands_are_synced_and_today_answers_only_the_member(
    services: Services, fake: FakeDiscordServer, world: School
) -> None:
    async with running_adapter(services):
        assert "today" in {command["name"] for command in fake.commands()}
        today, card = await today_card(fake, world)
        assert today.ephemeral and today.response_type == 4 and card.ephemeral
        assert NEXT in [button.get("label") for button in _buttons(card.components)]
        assert fake.message_counts() == {}, "nothing in the channel for everyone"


async def test_the_next_button_edits_the_card_in_place_and_works_after_a_restart(
    services: Services, fake: FakeDiscordServer, world: School
) -> None:
    async with running_adapter(services):
        _, card = await today_card(fake, world)
        first_text = card.content
        press = await fake.press_button(card, button_id(card, NEXT), user_id=world.student.id)
        await fake.wait_for_response(press)
        assert press.response_type == 7 and card.content != first_text and card.edits == 1
    async with running_adapter(services):  # a new process: nothing remembered but the database
        second_text = card.content
        again = await fake.press_button(card, button_id(card, NEXT), user_id=world.student.id)
        await fake.wait_for_response(again)
        assert again.response_type == 7 and card.edits == 2 and card.content != second_text


async def test_save_then_words_lists_the_word_in_the_members_own_book(
    services: Services, fake: FakeDiscordServer, world: School
) -> None:
    async with running_adapter(services):
        saved = await fake.wait_for_response(
            await fake.slash_command(
                "save", user_id=world.student.id, channel_id=world.general.id, options={"words": "leverage"}
            )
        )
        assert saved.ephemeral and "leverage" in saved.content
        words = await fake.wait_for_response(
            await fake.slash_command("words", user_id=world.student.id, channel_id=world.general.id)
        )
        assert words.ephemeral and "leverage" in words.content
        other = await fake.wait_for_response(
            await fake.slash_command("words", user_id=world.teacher.id, channel_id=world.general.id)
        )
        assert "leverage" not in other.content, "each member has their own book"


async def test_an_answer_slower_than_discord_waits_for_is_deferred_and_still_arrives(
    services: Services, fake: FakeDiscordServer, world: School
) -> None:
    """Every answer deferred at once (as a slow one is, after 2 s): a command's fills the
    "thinking" message, a press's edits the card it was pressed on."""
    async with running_adapter(services, defer_after=0.0):
        today = await fake.slash_command("today", user_id=world.student.id, channel_id=world.general.id)
        (card,) = await fake.wait_for_followups(today, count=1)
        assert today.response_type == 5 and card.ephemeral and "【1/" in card.content
        first_text = card.content
        press = await fake.press_button(card, button_id(card, NEXT), user_id=world.student.id)
        await fake.wait_until(lambda: card.content != first_text or None, what="the card edited")
        assert press.response_type == 6 and "【2/" in card.content


async def test_an_answer_discord_refuses_becomes_a_short_apology_for_the_member(
    services: Services, fake: FakeDiscordServer, world: School, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_adapter(services):
        fake.fail_next(CALLBACK, 400, 50035, "Invalid Form Body")
        asked = await fake.slash_command("today", user_id=world.student.id, channel_id=world.general.id)
        await fake.wait_for_response(asked)
    assert asked.ephemeral and asked.content.startswith("抱歉，出了点问题"), asked.content
    assert "Traceback" not in asked.content and "50035" not in asked.content
    assert any("Discord refused the answer" in record.message for record in caplog.records)


async def test_files_come_as_attachments_only_the_member_sees(
    services: Services, fake: FakeDiscordServer, world: School
) -> None:
    """🔊 sends the card's MP3, /export the book as CSV and an Anki deck, /stats a PNG chart."""
    async with running_adapter(services):
        _, card = await today_card(fake, world)
        sound = await fake.press_button(card, button_id(card, "🔊"), user_id=world.student.id)
        await fake.wait_for_response(sound)
        (mp3,) = sound.attachments
        frame_sync = mp3.content[0] == 0xFF and mp3.content[1] & 0xE0 == 0xE0
        assert sound.ephemeral and mp3.filename.endswith(".mp3") and (mp3.content[:3] == b"ID3" or frame_sync)

        saved = await fake.slash_command(
            "save", user_id=world.student.id, channel_id=world.general.id, options={"words": "leverage"}
        )
        await fake.wait_for_response(saved)
        export = await fake.slash_command("export", user_id=world.student.id, channel_id=world.general.id)
        await fake.wait_for_response(export)
        await fake.wait_until(
            lambda: len(files_shown(export)) >= 2 or None, timeout=10, what="the CSV and the deck"
        )
        names = sorted(attachment.filename for attachment in files_shown(export))
        assert names[0].endswith(".apkg") and names[1].endswith(".csv"), names

        stats = await fake.slash_command("stats", user_id=world.student.id, channel_id=world.general.id)
        await fake.wait_for_response(stats)
        await fake.wait_until(lambda: files_shown(stats) or None, timeout=10, what="the chart")
        (chart,) = files_shown(stats)
        assert chart.filename.endswith(".png") and chart.content.startswith(b"\x89PNG")
    assert fake.message_counts() == {}, "nothing of a member's own in the channel"


def files_shown(interaction: FakeInteraction) -> list[StoredAttachment]:
    first = [interaction.message] if interaction.message is not None else []
    return [attachment for message in [*first, *interaction.followups] for attachment in message.attachments]
