"""A Discord server's own settings: `/buildspeak setup|pause|resume|status|quiztime|…`, and a
member's own push from it: `/buildspeak dm on|off`.

The subcommands are the core's group-admin commands (and /status), declared once in its registry;
the server is the subscribed chat (its id is the chat id) and the channel the daily lesson goes
to is the `channel` of /setup. A member's subcommands (`Scope.MEMBER`) are about the member's own
chat instead. Every member sees /buildspeak, since `dm` is theirs; a server's setting is changed
only by a member with Manage Server (the core asks `is_admin` before any change), and a server's
owner can still narrow who sees the command in its integration settings.

Before a channel is accepted the bot checks, from the server as the gateway described it, that it
may do everything the daily post needs there, and says in Chinese what is missing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import discord

from bot.core.commands import Command, Scope

SERVER_COMMAND = "buildspeak"
SERVER_ALSO = frozenset({"status"})  # not an admin's change, but the server's business
# /start subscribes a Telegram chat: a server subscribes by /buildspeak setup, and a member's
# lessons come in their server's channel.
NOT_ON_DISCORD = frozenset({"start"})
SUB_COMMAND, STRING, CHANNEL = 1, 3, 7
TEXT_CHANNEL_TYPES = [0, 5]  # text and announcement channels
# Where a command may be used, and how the bot is installed (Discord's enum values).
IN_SERVERS, IN_BOT_DMS, GUILD_INSTALL = 0, 1, 0
# What the daily post needs in its channel: the message, its embed and audio, its thread.
NEEDED: tuple[tuple[str, str], ...] = (
    ("view_channel", "查看频道"),
    ("send_messages", "发送消息"),
    ("embed_links", "嵌入链接"),
    ("attach_files", "附加文件"),
    ("create_public_threads", "创建公开子区"),
    ("send_messages_in_threads", "在子区中发送消息"),
)
CHANNEL_OPTION: dict[str, Any] = {
    "type": CHANNEL,
    "name": "channel",
    "description": "the channel for the daily lesson",
    "description_localizations": {"zh-CN": "每日一课发到哪个频道"},
    "required": True,
    "channel_types": TEXT_CHANNEL_TYPES,
}


def is_server_command(command: Command) -> bool:
    """A subcommand of /buildspeak: the server's settings, and a member's push from the server."""
    if command.name in NOT_ON_DISCORD:
        return False
    return command.scope in (Scope.GROUP_ADMIN, Scope.MEMBER) or command.name in SERVER_ALSO


def is_members_own(command: Command) -> bool:
    """A /buildspeak subcommand about the member who runs it, not about the server."""
    return command.scope is Scope.MEMBER


def spelling(command: Command) -> str | None:
    """How a member types the command on Discord, or None where Discord does not offer it."""
    if command.name in NOT_ON_DISCORD:
        return None
    return f"/{SERVER_COMMAND} {command.name}" if is_server_command(command) else f"/{command.name}"


def server_command_payload(commands: Iterable[Command]) -> dict[str, Any]:
    """/buildspeak with a subcommand per server setting (and a member's own push), in servers."""
    subcommands = []
    for command in commands:
        if not is_server_command(command):
            continue
        options = string_options(command)
        if command.name == "setup":
            options = [CHANNEL_OPTION, *options]
        subcommands.append(
            {
                "type": SUB_COMMAND,
                "name": command.name,
                "description": command.en[:100],
                "description_localizations": {"zh-CN": command.zh[:100]},
                "options": options,
            }
        )
    return {
        "type": 1,
        "name": SERVER_COMMAND,
        "description": "BuildSpeak in this server: the daily lesson's channel and times",
        "description_localizations": {"zh-CN": "本服务器的 BuildSpeak：每日一课的频道和时间"},
        "options": subcommands,
        "contexts": [IN_SERVERS],
    }


def string_options(command: Command) -> list[dict[str, Any]]:
    """A command's typed arguments as string options, required ones first (Discord's rule)."""
    arguments = sorted(command.arguments, key=lambda argument: not argument.required)
    return [
        {
            "type": STRING,
            "name": argument.name,
            "description": argument.en[:100],
            "description_localizations": {"zh-CN": argument.zh[:100]},
            "required": argument.required,
        }
        for argument in arguments
        if argument.usage  # a link's payload is not typed by people
    ]


def subcommand_of(data: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """The subcommand chosen and its options: {"channel": "<id>", "time": "08:00", …}."""
    options = data.get("options") or [{}]
    chosen = options[0]
    values = {str(option["name"]): str(option.get("value", "")) for option in chosen.get("options", [])}
    return str(chosen.get("name", "")), values


def missing_permissions(guild: discord.Guild | None, channel_id: int) -> list[str] | None:
    """What the bot may not do in the channel, in Chinese; None when the channel is not known."""
    if guild is None:
        return None
    channel = guild.get_channel(channel_id)
    if channel is None:
        return None
    allowed = channel.permissions_for(guild.me)
    return [name for flag, name in NEEDED if not getattr(allowed, flag)]


def permissions_reply(channel_id: int, missing: list[str]) -> str:
    return (
        f"我在 <#{channel_id}> 还缺少这些权限：{'、'.join(missing)}。\n"
        "请在频道设置 → 权限里给 BuildSpeak 加上，再运行一次 /buildspeak setup。"
    )


UNKNOWN_CHANNEL = "找不到这个频道，或者我看不到它。请选一个文字频道，并确认 BuildSpeak 有权查看。"
SERVERS_ONLY = "/buildspeak 是服务器的设置，请在服务器的频道里使用。"
