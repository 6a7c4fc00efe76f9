"""The command registry: each command declared once, and every surface built from that declaration."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot.core import texts
from bot.core.commands import CommandRegistry, Scope, default_commands
from bot.core.conversation import Conversation
from bot.core.messages import ChatKind, Invocation, Visibility
from tests.core.fake_platform import FakeChat

BOT = Path(__file__).resolve().parents[2] / "bot"


def test_every_declared_command_has_a_handler_help_and_a_menu_entry() -> None:
    registry = default_commands()
    names = [command.name for command in registry]
    assert len(names) == len(set(names)) == 23
    help_text = texts.help_text(registry.help_lines())
    for command in registry:
        assert callable(command.handler), command.name
        assert command.zh and command.en, command.name
        assert f"/{command.name}" in help_text and command.zh in help_text, command.name
        assert (
            command.name.isascii() and command.name.islower() and len(command.name) <= 32
        )  # Telegram's menu


def test_nothing_outside_the_registry_routes_a_command() -> None:
    """No other table maps names to command handlers, and no other command list exists."""
    handler_modules = {"subscription", "reading", "vocabulary", "explaining", "vocabulary_export"}
    for path in [*(BOT / "core").glob("*.py"), *(BOT / "adapters").glob("*.py")]:
        if path.name == "commands.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Dict):
                for value in node.values:
                    routed = isinstance(value, ast.Attribute) and isinstance(value.value, ast.Name)
                    assert not (routed and value.value.id in handler_modules), f"{path.name} routes commands"
        assert "COMMANDS" not in path.read_text(encoding="utf-8"), path.name


async def test_the_telegram_menu_is_the_registry(chat: FakeChat) -> None:
    reply = (await chat.say("/help"))[0]
    shown = reply.text.plain if reply.text else ""
    for command in chat.conversation.commands:
        line = f"{command.usage} — {command.zh}"
        if command.scope is Scope.MEMBER:  # a server member's own push: a private chat has it already
            assert line not in shown
        else:
            assert line in shown


@pytest.mark.parametrize(
    ("text", "name", "arguments"),
    [
        ("/time@BuildSpeakBot 07:30", "time", {"time": "07:30"}),
        ("/tz   New   York ", "tz", {"zone": "New York"}),
        ('/save "napkin math" moat', "save", {"words": '"napkin math" moat'}),
        ("/lesson 12 please", "lesson", {"number": "12"}),
        ("/start d12", "start", {"payload": "d12"}),
        ("/today", "today", {}),
        ("/TODAY@bot", "today", {}),
        ("/nosuch thing", "nosuch", {}),
        ("/explain\nWhat does moat mean?", "explain", {"text": "What does moat mean?"}),
        ("/lesson\u300012", "lesson", {"number": "12"}),  # a Chinese keyboard's full-width space
        ("/tz\tUTC", "tz", {"zone": "UTC"}),
        ("/lesson 12\u3000more", "lesson", {"number": "12"}),
    ],
)
def test_typed_text_is_parsed_into_named_arguments(text: str, name: str, arguments: dict[str, str]) -> None:
    invocation = default_commands().parse(text)
    assert invocation is not None
    assert (invocation.name, dict(invocation.arguments)) == (name, arguments)


@pytest.mark.parametrize("text", ["hello", "", "  ", "/", "今天 /today"])
def test_text_that_is_no_command_parses_to_none(text: str) -> None:
    assert default_commands().parse(text) is None


def test_a_command_may_not_be_declared_twice() -> None:
    (first, *_) = default_commands()
    with pytest.raises(ValueError, match="declared twice"):
        CommandRegistry((first, first))


async def test_a_platform_may_hand_over_a_parsed_command(chat: FakeChat) -> None:
    """Discord's typed options arrive as an Invocation: the same handler answers, no text is parsed."""
    incoming = chat._incoming(text="")
    from dataclasses import replace

    typed = replace(incoming, command=Invocation("tz", {"zone": "东八区"}))
    await chat.say("/start")
    (reply,) = await chat.conversation.handle(typed)
    assert reply.text is not None and "时区已更新" in reply.text.plain


async def test_private_commands_refuse_in_a_group(conversation: Conversation) -> None:
    group = FakeChat(conversation, chat_id="-500", kind=ChatKind.GROUP)
    for command in conversation.commands:
        if command.scope is not Scope.PRIVATE:
            continue
        (reply,) = await group.say(f"/{command.name}")
        assert reply.text is not None and "私聊" in reply.text.plain, command.name


async def test_group_admin_commands_refuse_a_member(conversation: Conversation) -> None:
    group = FakeChat(conversation, chat_id="-500", kind=ChatKind.GROUP)
    await group.say("/start")
    group.admin = False
    for command in conversation.commands:
        if command.scope is Scope.GROUP_ADMIN:
            example = {"time": " 07:30", "quiztime": " 21:00", "tz": " UTC"}.get(command.name, "")
            (reply,) = await group.say(f"/{command.name}{example}")
            assert reply.text is not None and reply.text.plain == texts.ADMINS_ONLY, command.name


async def test_personal_answers_and_refusals_are_for_the_asker_alone(conversation: Conversation) -> None:
    group = FakeChat(conversation, chat_id="-500", kind=ChatKind.GROUP)
    await group.say("/start")
    (lesson,) = await group.say("/today")
    assert lesson.visibility is Visibility.EVERYONE, "the group's lesson is everyone's"
    for personal in ("/save engulfed", "/words", "/forget engulf", "/export", "/deleteme"):
        replies = await group.say(personal)
        assert replies and all(r.visibility is Visibility.ASKER for r in replies), personal
    group.admin = False
    (refusal,) = await group.say("/pause")
    assert refusal.visibility is Visibility.ASKER
    group.admin = True
    (done,) = await group.say("/pause")
    assert done.visibility is Visibility.EVERYONE, "the group's new setting is everyone's news"
