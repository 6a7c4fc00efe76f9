"""A local fake of the Discord API (REST v10 and the gateway), for end-to-end tests of real discord.py.

Why a server and not a mock: what breaks in a Discord bot is in the layers a mock skips: the 3-second window
for an interaction's first answer, "already acknowledged", ephemeral followups after a defer, form bodies
Discord refuses (embed and component limits), permission overwrites, 429s and the client's buckets, a
gateway that drops and must be resumed. This fake speaks the wire protocol, so discord.py runs unchanged
against it once pointed at it (two class attributes, see `FakeDiscordServer`):

    discord.http.Route.BASE = f"{fake.url}/api/v10"
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)

What it reproduces, from Discord's developer docs and discord.py 2.7's http.py, gateway.py and state.py:

* REST under `/api/v10` (v9 too): `Authorization: Bot <token>`, errors as `{"message", "code"}` with
  Discord's status and code (401 code 0, 403 50001 Missing Access / 50013 Missing Permissions / 50007,
  404 10003/10008/10062..., 400 40060, 400 50035 "Invalid Form Body" with an `errors` tree like Discord's,
  400 50006 for an empty message). Interaction callbacks and webhook routes need no bot token: the
  interaction token is the credential, valid 15 minutes.
* Rate limits: every route has a bucket (a hash in `X-RateLimit-Bucket`, counted per top-level resource:
  channel, guild, or webhook id + token), answered with X-RateLimit-Limit/-Remaining/-Reset/-Reset-After
  on every response. Messages to a channel default to Discord's 5 per 5 s. A global limit (50 a second by
  default) covers every route but interactions and interaction webhooks, as on Discord. A 429 carries
  X-RateLimit-Scope, X-RateLimit-Global when global, Retry-After and `{"message", "retry_after", "global"}`,
  and a `Via` header: discord.py treats a 429 without one as a Cloudflare ban and does not retry.
* Messages: JSON or multipart (`payload_json` plus `files[n]`), content <= 2000, embeds with Discord's
  limits (10 per message, title 256, description 4096, 25 fields of 256/1024, footer 2048, author 256,
  6000 in all), components (5 action rows of 5 buttons or one select, custom ids <= 100 and unique, labels
  <= 80, styles 1-6, a link button needs a url and has no custom id), `enforce_nonce` de-duplication, edits,
  deletes, threads from a message (the thread's id is the message's) or without one, DMs (a user who closed
  DMs gets 403 50007). The bot's permissions in a channel are computed the way Discord documents it (owner,
  @everyone, roles, ADMINISTRATOR, then @everyone/role/member overwrites, a thread's from its parent).
* Application commands: bulk overwrite and get, globally and per guild, validated (names, descriptions,
  options, choices, localizations keyed by Discord locales such as "zh-CN"); ids survive an overwrite.
* Interactions: slash commands (options typed from the registered command, `resolved` for users, roles
  and channels), buttons and selects on a message the fake holds (ephemeral ones included), modal submits
  built from the modal the bot opened (action rows or the newer label components, mirrored), message and
  user context-menu commands, in guild channels (member with permissions) or DMs (user). One initial
  response per interaction within `interaction_deadline` seconds; callback types 1, 4-9; `?with_response`
  answers the InteractionCallbackResponse discord.py 2.7 reads; followups, @original get/edit/delete; the
  first followup after a deferred message fills the "thinking" message, as on Discord.
* Gateway at `/gateway`: HELLO, IDENTIFY (token, intents, privileged intents, shards), READY (guilds
  unavailable, `resume_gateway_url` = this fake), GUILD_CREATE per guild, HEARTBEAT/ACK, RESUME with replay
  of what was missed, then RESUMED, INVALID_SESSION, RECONNECT, REQUEST_GUILD_MEMBERS, close codes
  4001-4014, transport compression `zlib-stream` (one zlib context per connection, each payload flushed with
  Z_SYNC_FLUSH) and `zstd-stream` when a zstd module is importable (discord.py asks for it then).
  Events honour intents: GUILD_*/CHANNEL_*/THREAD_* need GUILDS, messages GUILD_MESSAGES or DIRECT_MESSAGES.

Deliberately left out: voice, presences, reactions, pins, webhooks other than interaction ones, forum
channels, polls, stickers, autocomplete injection, attachment options, payload compression (IDENTIFY's
`compress`: the transport is compressed instead), ETF encoding, heartbeat timeouts (the fake never closes a
silent connection), the invalid-request (Cloudflare) limit, audit log reasons, message content intent
redaction (every message the fake dispatches is the bot's own, whose content Discord always sends), and
components v2 beyond the checks shared with v1 (custom ids, buttons, nesting is not validated).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import datetime as dt
import enum
import hashlib
import itertools
import json
import logging
import math
import secrets
import socket
import time
import unicodedata
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Self

from aiohttp import BodyPartReader, WSMsgType, hdrs, web

JSON = dict[str, Any]
_LOGGER = logging.getLogger(__name__)

APPLICATION_ID = 1_300_000_000_000_000_001  # also the bot user's id, as for every app made since 2022
# A token of Discord's shape: base64 of the bot's id, a timestamp part, an HMAC part.
TOKEN = "MTMwMDAwMDAwMDAwMDAwMDAwMQ.GfAkE0.fake-discord-bot-token-for-tests-only-00"
BOT_USERNAME = "BuildSpeak Test"
API_VERSIONS = ("9", "10")
GATEWAY_VERSIONS = ("9", "10")
DISCORD_EPOCH_MS = 1_420_070_400_000
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024  # a server without boosts
EVENT_BUFFER = 10_000  # dispatches a session keeps for RESUME; an older seq gets INVALID_SESSION
REDACTED = "<redacted>"

MAX_CONTENT, MAX_EMBEDS, MAX_EMBED_TOTAL = 2000, 10, 6000
EMBED_TITLE, EMBED_DESCRIPTION, EMBED_FIELDS = 256, 4096, 25
FIELD_NAME, FIELD_VALUE, FOOTER_TEXT, AUTHOR_NAME = 256, 1024, 2048, 256
MAX_ROWS, MAX_ROW_WIDTH, MAX_CUSTOM_ID, MAX_BUTTON_LABEL, MAX_URL = 5, 5, 100, 80, 512
MAX_SELECT_OPTIONS, MAX_SELECT_PLACEHOLDER = 25, 150
MAX_V2_COMPONENTS = 40
MODAL_TITLE, MODAL_COMPONENTS, TEXT_INPUT_LABEL, TEXT_INPUT_VALUE = 45, 5, 45, 4000
LABEL_TEXT, LABEL_DESCRIPTION, TEXT_INPUT_PLACEHOLDER = 45, 100, 100
COMMAND_NAME, COMMAND_DESCRIPTION, COMMAND_OPTIONS, COMMAND_CHOICES = 32, 100, 25, 25
MAX_CHAT_INPUT_COMMANDS, MAX_CONTEXT_MENU_COMMANDS = 100, 15
THREAD_NAME = 100
ARCHIVE_DURATIONS = frozenset({60, 1440, 4320, 10080})

# Discord's locales, the keys name_localizations and description_localizations accept.
LOCALES = frozenset(
    {"id", "da", "de", "en-GB", "en-US", "es-ES", "es-419", "fr", "hr", "it", "lt", "hu", "nl", "no", "pl"}
    | {"pt-BR", "ro", "fi", "sv-SE", "vi", "tr", "cs", "el", "bg", "ru", "uk", "hi", "th", "zh-CN", "ja"}
    | {"zh-TW", "ko"}
)


class Permission(enum.IntFlag):
    """Discord's permission bits (the ones this fake checks or a test is likely to grant)."""

    CREATE_INSTANT_INVITE = 1 << 0
    KICK_MEMBERS = 1 << 1
    BAN_MEMBERS = 1 << 2
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_AUDIT_LOG = 1 << 7
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    SEND_TTS_MESSAGES = 1 << 12
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_EXTERNAL_EMOJIS = 1 << 18
    MANAGE_ROLES = 1 << 28
    USE_APPLICATION_COMMANDS = 1 << 31
    MANAGE_THREADS = 1 << 34
    CREATE_PUBLIC_THREADS = 1 << 35
    CREATE_PRIVATE_THREADS = 1 << 36
    SEND_MESSAGES_IN_THREADS = 1 << 38


ALL_PERMISSIONS = (1 << 51) - 1  # every bit Discord defines today, as an owner or administrator has them
DEFAULT_EVERYONE_PERMISSIONS = (
    Permission.CREATE_INSTANT_INVITE
    | Permission.ADD_REACTIONS
    | Permission.VIEW_CHANNEL
    | Permission.SEND_MESSAGES
    | Permission.EMBED_LINKS
    | Permission.ATTACH_FILES
    | Permission.READ_MESSAGE_HISTORY
    | Permission.USE_EXTERNAL_EMOJIS
    | Permission.USE_APPLICATION_COMMANDS
    | Permission.CREATE_PUBLIC_THREADS
    | Permission.CREATE_PRIVATE_THREADS
    | Permission.SEND_MESSAGES_IN_THREADS
)
DEFAULT_BOT_PERMISSIONS = (
    Permission.VIEW_CHANNEL
    | Permission.SEND_MESSAGES
    | Permission.EMBED_LINKS
    | Permission.ATTACH_FILES
    | Permission.READ_MESSAGE_HISTORY
    | Permission.ADD_REACTIONS
    | Permission.CREATE_PUBLIC_THREADS
    | Permission.SEND_MESSAGES_IN_THREADS
    | Permission.USE_APPLICATION_COMMANDS
)
# What Discord reports as app_permissions in a DM with the bot.
DM_PERMISSIONS = (
    Permission.VIEW_CHANNEL
    | Permission.SEND_MESSAGES
    | Permission.EMBED_LINKS
    | Permission.ATTACH_FILES
    | Permission.READ_MESSAGE_HISTORY
    | Permission.ADD_REACTIONS
    | Permission.USE_EXTERNAL_EMOJIS
    | Permission.USE_APPLICATION_COMMANDS
)


class Intent(enum.IntFlag):
    GUILDS = 1 << 0
    GUILD_MEMBERS = 1 << 1
    GUILD_PRESENCES = 1 << 8
    GUILD_MESSAGES = 1 << 9
    DIRECT_MESSAGES = 1 << 12
    MESSAGE_CONTENT = 1 << 15


PRIVILEGED_INTENTS = Intent.GUILD_MEMBERS | Intent.GUILD_PRESENCES | Intent.MESSAGE_CONTENT


class ChannelType(enum.IntEnum):
    GUILD_TEXT = 0
    DM = 1
    GUILD_VOICE = 2
    GUILD_CATEGORY = 4
    GUILD_ANNOUNCEMENT = 5
    ANNOUNCEMENT_THREAD = 10
    PUBLIC_THREAD = 11
    PRIVATE_THREAD = 12


THREAD_TYPES = frozenset(
    {ChannelType.ANNOUNCEMENT_THREAD, ChannelType.PUBLIC_THREAD, ChannelType.PRIVATE_THREAD}
)


class InteractionType(enum.IntEnum):
    PING = 1
    APPLICATION_COMMAND = 2
    MESSAGE_COMPONENT = 3
    AUTOCOMPLETE = 4
    MODAL_SUBMIT = 5


class Callback(enum.IntEnum):
    """Interaction callback (response) types."""

    PONG = 1
    CHANNEL_MESSAGE_WITH_SOURCE = 4
    DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE = 5
    DEFERRED_UPDATE_MESSAGE = 6
    UPDATE_MESSAGE = 7
    AUTOCOMPLETE_RESULT = 8
    MODAL = 9


class MessageFlag(enum.IntFlag):
    SUPPRESS_EMBEDS = 1 << 2
    HAS_THREAD = 1 << 5
    EPHEMERAL = 1 << 6
    LOADING = 1 << 7
    SUPPRESS_NOTIFICATIONS = 1 << 12
    IS_COMPONENTS_V2 = 1 << 15


SENDABLE_FLAGS = (
    MessageFlag.SUPPRESS_EMBEDS | MessageFlag.SUPPRESS_NOTIFICATIONS | MessageFlag.IS_COMPONENTS_V2
)
INTERACTION_FLAGS = SENDABLE_FLAGS | MessageFlag.EPHEMERAL

BUTTON, STRING_SELECT, TEXT_INPUT, ACTION_ROW, LABEL = 2, 3, 4, 1, 18
SELECT_TYPES = frozenset({3, 5, 6, 7, 8})
V2_TYPES = frozenset(
    {9, 10, 11, 12, 13, 14, 17}
)  # section, text display, thumbnail, gallery, file, separator, container
LINK_STYLE, PREMIUM_STYLE = 5, 6
LABEL_ONLY_TYPES = frozenset({19, 21, 22, 23})  # file upload, radio group, checkbox group, checkbox

# Gateway opcodes, by number, for the log.
OPCODES = {
    0: "DISPATCH",
    1: "HEARTBEAT",
    2: "IDENTIFY",
    3: "PRESENCE_UPDATE",
    4: "VOICE_STATE_UPDATE",
    6: "RESUME",
    7: "RECONNECT",
    8: "REQUEST_GUILD_MEMBERS",
    9: "INVALID_SESSION",
    10: "HELLO",
    11: "HEARTBEAT_ACK",
}

# Routes as discord.py's `Route.path` spells them (so `fail_next` and `Call.route` read like discord.py's
# bucket keys), the handler, and who may call: "bot" needs the bot token, "open" needs nothing.
ROUTES: tuple[tuple[str, str, str, str], ...] = (
    ("GET", "/users/@me", "get_current_user", "bot"),
    ("GET", "/oauth2/applications/@me", "get_application", "bot"),
    ("GET", "/applications/@me", "get_application", "bot"),
    ("GET", "/gateway", "get_gateway", "open"),
    ("GET", "/gateway/bot", "get_gateway_bot", "bot"),
    ("GET", "/applications/{application_id}/commands", "get_commands", "bot"),
    ("PUT", "/applications/{application_id}/commands", "put_commands", "bot"),
    ("GET", "/applications/{application_id}/guilds/{guild_id}/commands", "get_commands", "bot"),
    ("PUT", "/applications/{application_id}/guilds/{guild_id}/commands", "put_commands", "bot"),
    ("POST", "/interactions/{webhook_id}/{webhook_token}/callback", "interaction_callback", "open"),
    ("POST", "/webhooks/{webhook_id}/{webhook_token}", "execute_webhook", "open"),
    ("GET", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", "get_webhook_message", "open"),
    ("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", "edit_webhook_message", "open"),
    (
        "DELETE",
        "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
        "delete_webhook_message",
        "open",
    ),
    ("GET", "/channels/{channel_id}", "get_channel", "bot"),
    ("POST", "/channels/{channel_id}/messages", "create_message", "bot"),
    ("GET", "/channels/{channel_id}/messages/{message_id}", "get_message", "bot"),
    ("PATCH", "/channels/{channel_id}/messages/{message_id}", "edit_message", "bot"),
    ("DELETE", "/channels/{channel_id}/messages/{message_id}", "delete_message", "bot"),
    ("POST", "/channels/{channel_id}/messages/{message_id}/threads", "start_thread_from_message", "bot"),
    ("POST", "/channels/{channel_id}/threads", "start_thread", "bot"),
    ("POST", "/channels/{channel_id}/typing", "trigger_typing", "bot"),
    ("GET", "/guilds/{guild_id}", "get_guild", "bot"),
    ("GET", "/guilds/{guild_id}/channels", "get_guild_channels", "bot"),
    ("GET", "/guilds/{guild_id}/members/{user_id}", "get_member", "bot"),
    ("POST", "/users/@me/channels", "create_dm", "bot"),
    ("GET", "/users/{user_id}", "get_user", "bot"),
)
# Routes outside the global limit, as on Discord.
UNMETERED_PREFIXES = ("/interactions/", "/webhooks/")
MESSAGE_ROUTE = "POST /channels/{channel_id}/messages"


# --- Errors ---------------------------------------------------------------------------------------------


class DiscordError(Exception):
    """A Discord error answer: raised anywhere while handling a request, it becomes the response."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        errors: JSON | None = None,
        headers: Mapping[str, str] | None = None,
        body: JSON | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors
        self.headers = dict(headers or {})
        self._body = body

    def body(self) -> JSON:
        if self._body is not None:
            return self._body
        body: JSON = {"message": self.message, "code": self.code}
        if self.errors:
            body["errors"] = self.errors
        return body


def missing_access() -> DiscordError:
    return DiscordError(403, 50001, "Missing Access")


def missing_permissions() -> DiscordError:
    return DiscordError(403, 50013, "Missing Permissions")


UNKNOWN = {
    "application": 10002,
    "channel": 10003,
    "guild": 10004,
    "member": 10007,
    "message": 10008,
    "user": 10013,
    "webhook": 10015,
    "interaction": 10062,
}


def unknown(kind: str) -> DiscordError:
    return DiscordError(
        404, UNKNOWN[kind], f"Unknown {kind}" if kind == "interaction" else f"Unknown {kind.title()}"
    )


class FormErrors:
    """Discord's `errors` tree for 50035 "Invalid Form Body": a path of keys, then `_errors`."""

    def __init__(self) -> None:
        self.tree: JSON = {}

    def __bool__(self) -> bool:
        return bool(self.tree)

    def add(self, path: Sequence[str | int], code: str, message: str) -> None:
        node = self.tree
        for key in path:
            node = node.setdefault(str(key), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})

    def raise_if_any(self) -> None:
        if self.tree:
            raise DiscordError(400, 50035, "Invalid Form Body", self.tree)

    def text(
        self, path: Sequence[str | int], value: Any, high: int, *, low: int = 0, required: bool = False
    ) -> int:
        """Check a string's length like Discord; returns the length counted (0 when absent or wrong)."""
        if value is None:
            if required:
                self.add(path, "BASE_TYPE_REQUIRED", "This field is required")
            return 0
        if not isinstance(value, str):
            self.add(path, "BASE_TYPE_STRING", f'Could not interpret "{value}" as string.')
            return 0
        if len(value) > high or len(value) < low:
            self.add(path, *_length_error(low, high))
        return len(value)

    def items(self, path: Sequence[str | int], value: Any, high: int, *, low: int = 0) -> list[Any]:
        """Check a list's length; returns the list, or [] when it is not one."""
        if value is None:
            return []
        if not isinstance(value, list):
            self.add(path, "BASE_TYPE_ARRAY", "Must be an array.")
            return []
        if len(value) > high or len(value) < low:
            self.add(path, *_length_error(low, high))
        return value

    def choice(self, path: Sequence[str | int], value: Any, choices: Iterable[int]) -> bool:
        options = sorted(choices)
        if value in options:
            return True
        listed = ", ".join(str(option) for option in options)
        self.add(path, "BASE_TYPE_CHOICES", f"Value must be one of {{{listed}}}.")
        return False


def _length_error(low: int, high: int) -> tuple[str, str]:
    if low <= 0:
        return "BASE_TYPE_MAX_LENGTH", f"Must be {high} or fewer in length."
    return "BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length."


# --- Validators: what Discord refuses in a message, a modal, a command list --------------------------------


def check_embeds(errors: FormErrors, embeds: Any, path: Sequence[str | int] = ("embeds",)) -> None:
    """Discord's embed limits, each field and the 6000 characters of all embeds together."""
    total = 0
    for index, embed in enumerate(errors.items(path, embeds, MAX_EMBEDS)):
        if not isinstance(embed, dict):
            errors.add((*path, index), "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
            continue
        total += _check_embed(errors, embed, (*path, index))
    if total > MAX_EMBED_TOTAL:
        errors.add(path, "MAX_EMBED_SIZE_EXCEEDED", f"Embed size exceeds maximum size of {MAX_EMBED_TOTAL}")


def _check_embed(errors: FormErrors, embed: JSON, path: tuple[str | int, ...]) -> int:
    """Check one embed; returns the characters it counts towards the 6000."""
    total = errors.text((*path, "title"), embed.get("title"), EMBED_TITLE)
    total += errors.text((*path, "description"), embed.get("description"), EMBED_DESCRIPTION)
    for index, entry in enumerate(errors.items((*path, "fields"), embed.get("fields"), EMBED_FIELDS)):
        where = (*path, "fields", index)
        total += errors.text((*where, "name"), entry.get("name"), FIELD_NAME, low=1, required=True)
        total += errors.text((*where, "value"), entry.get("value"), FIELD_VALUE, low=1, required=True)
    if isinstance(footer := embed.get("footer"), dict):
        total += errors.text((*path, "footer", "text"), footer.get("text"), FOOTER_TEXT, low=1, required=True)
    if isinstance(author := embed.get("author"), dict):
        total += errors.text((*path, "author", "name"), author.get("name"), AUTHOR_NAME, low=1, required=True)
    colour = embed.get("color")
    if colour is not None and (not isinstance(colour, int) or not 0 <= colour <= 0xFFFFFF):
        errors.add((*path, "color"), "NUMBER_TYPE_MAX", "int value should be less than or equal to 16777215.")
    _check_url(errors, (*path, "url"), embed.get("url"), attachments=False)
    for media in ("image", "thumbnail"):
        if isinstance(part := embed.get(media), dict):
            _check_url(errors, (*path, media, "url"), part.get("url"), attachments=True)
    return total


def _check_url(errors: FormErrors, path: Sequence[str | int], url: Any, *, attachments: bool) -> None:
    if url is None:
        return
    schemes = ("http", "https", "attachment") if attachments else ("http", "https")
    scheme = url.split("://", 1)[0] if isinstance(url, str) and "://" in url else None
    if scheme is None:
        errors.add(path, "URL_TYPE_INVALID_URL", "Not a well formed URL.")
    elif scheme not in schemes:
        allowed = ", ".join(f"'{name}'" for name in schemes)
        errors.add(
            path,
            "URL_TYPE_INVALID_SCHEME",
            f'Scheme "{scheme}" is not supported. Scheme must be one of ({allowed}).',
        )


def check_components(
    errors: FormErrors, components: Any, path: Sequence[str | int] = ("components",), *, v2: bool = False
) -> None:
    """Action rows of buttons and selects (or components v2), with unique custom ids across the message."""
    seen: set[str] = set()
    if v2:
        top = errors.items(path, components, MAX_V2_COMPONENTS)
    else:
        top = errors.items(path, components, MAX_ROWS)
    for index, component in enumerate(top):
        where = (*path, index)
        if not isinstance(component, dict):
            errors.add(where, "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
        elif component.get("type") == ACTION_ROW:
            _check_action_row(errors, component, where, seen)
        elif v2 and component.get("type") in V2_TYPES:
            _check_v2_children(errors, component, where, seen)
        else:
            errors.add((*where, "type"), "UNION_TYPE_CHOICES", 'Value of field "type" must be one of (1,).')


def _check_action_row(errors: FormErrors, row: JSON, path: tuple[str | int, ...], seen: set[str]) -> None:
    children = errors.items((*path, "components"), row.get("components"), MAX_ROW_WIDTH, low=1)
    width = 0
    for index, child in enumerate(children):
        where = (*path, "components", index)
        kind = child.get("type") if isinstance(child, dict) else None
        width += MAX_ROW_WIDTH if kind in SELECT_TYPES else 1
        if width > MAX_ROW_WIDTH and index > 0:
            errors.add(
                where, "COMPONENT_LAYOUT_WIDTH_EXCEEDED", "The specified component exceeds the maximum width"
            )
        if kind == BUTTON:
            _check_button(errors, child, where, seen)
        elif kind in SELECT_TYPES:
            _check_select(errors, child, where, seen)
        else:
            errors.add(
                (*where, "type"),
                "COMPONENT_TYPE_INVALID",
                "The specified component type is invalid in this context",
            )


def _check_v2_children(
    errors: FormErrors, component: JSON, path: tuple[str | int, ...], seen: set[str]
) -> None:
    """Components v2 containers and sections: only what they share with v1 is checked."""
    if component.get("type") == 10:
        errors.text((*path, "content"), component.get("content"), 4000, low=1, required=True)
    for index, child in enumerate(component.get("components") or []):
        if isinstance(child, dict) and child.get("type") == ACTION_ROW:
            _check_action_row(errors, child, (*path, "components", index), seen)
        elif isinstance(child, dict):
            _check_v2_children(errors, child, (*path, "components", index), seen)
    if isinstance(accessory := component.get("accessory"), dict) and accessory.get("type") == BUTTON:
        _check_button(errors, accessory, (*path, "accessory"), seen)


def _check_custom_id(errors: FormErrors, path: tuple[str | int, ...], custom_id: Any, seen: set[str]) -> None:
    errors.text((*path, "custom_id"), custom_id, MAX_CUSTOM_ID, low=1, required=True)
    if isinstance(custom_id, str):
        if custom_id in seen:
            errors.add(
                (*path, "custom_id"),
                "COMPONENT_CUSTOM_ID_DUPLICATED",
                "Component custom id was already specified",
            )
        seen.add(custom_id)


def _check_button(errors: FormErrors, button: JSON, path: tuple[str | int, ...], seen: set[str]) -> None:
    style = button.get("style")
    if not errors.choice((*path, "style"), style, range(1, 7)):
        return
    errors.text((*path, "label"), button.get("label"), MAX_BUTTON_LABEL)
    if style == LINK_STYLE:
        if not button.get("url"):
            errors.add((*path, "url"), "BUTTON_COMPONENT_URL_REQUIRED", "A url is required")
        else:
            errors.text((*path, "url"), button.get("url"), MAX_URL)
            _check_url(errors, (*path, "url"), button.get("url"), attachments=False)
        if "custom_id" in button and button["custom_id"] is not None:
            errors.add(
                (*path, "custom_id"),
                "BUTTON_COMPONENT_LINK_NO_CUSTOM_ID",
                "A custom id cannot be set on a link button",
            )
    elif style == PREMIUM_STYLE:
        if not button.get("sku_id"):
            errors.add((*path, "sku_id"), "BASE_TYPE_REQUIRED", "This field is required")
    else:
        _check_custom_id(errors, path, button.get("custom_id"), seen)
        if button.get("url"):
            errors.add(
                (*path, "url"), "BUTTON_COMPONENT_URL_NOT_ALLOWED", "A url cannot be set on a non-link button"
            )
    if style != PREMIUM_STYLE and not button.get("label") and not button.get("emoji"):
        errors.add(path, "BUTTON_COMPONENT_LABEL_OR_EMOJI_REQUIRED", "A label or an emoji is required")


def _check_select(errors: FormErrors, select: JSON, path: tuple[str | int, ...], seen: set[str]) -> None:
    _check_custom_id(errors, path, select.get("custom_id"), seen)
    errors.text((*path, "placeholder"), select.get("placeholder"), MAX_SELECT_PLACEHOLDER)
    if select.get("type") == STRING_SELECT:
        options = errors.items((*path, "options"), select.get("options"), MAX_SELECT_OPTIONS, low=1)
        if select.get("options") is None:
            errors.add((*path, "options"), "BASE_TYPE_REQUIRED", "This field is required")
        for index, option in enumerate(options):
            where = (*path, "options", index)
            errors.text((*where, "label"), option.get("label"), 100, low=1, required=True)
            errors.text((*where, "value"), option.get("value"), 100, low=1, required=True)
            errors.text((*where, "description"), option.get("description"), 100)
    for bound, low, high in (("min_values", 0, 25), ("max_values", 1, 25)):
        value = select.get(bound)
        if value is not None and not (isinstance(value, int) and low <= value <= high):
            errors.add((*path, bound), "NUMBER_TYPE_MAX", f"int value should be between {low} and {high}.")


def check_message(payload: Any, *, files: int = 0, interaction: bool = False, edit: bool = False) -> None:
    """Raise DiscordError as Discord does for a message body: 50035 with the errors tree, or 50006."""
    payload = _object(payload)
    errors = FormErrors()
    errors.text(("content",), payload.get("content"), MAX_CONTENT)
    flags = payload.get("flags") or 0
    allowed = INTERACTION_FLAGS if interaction else SENDABLE_FLAGS
    if not isinstance(flags, int) or flags & ~allowed:
        errors.add(("flags",), "MESSAGE_FLAGS_INVALID", "Invalid flags")
    v2 = isinstance(flags, int) and bool(flags & MessageFlag.IS_COMPONENTS_V2)
    if v2 and (payload.get("content") or payload.get("embeds")):
        errors.add(
            ("content",),
            "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
            "The 'content' and 'embeds' fields cannot be used when using components v2",
        )
    check_embeds(errors, payload.get("embeds"))
    check_components(errors, payload.get("components"), v2=v2)
    errors.raise_if_any()
    if not edit and not _has_body(payload, files):
        raise DiscordError(400, 50006, "Cannot send an empty message")


def _object(payload: Any) -> JSON:
    """A request's JSON object: {} when there is no body, 50109 when it is not an object."""
    if payload is None:
        return {}
    if not isinstance(payload, dict):
        raise DiscordError(400, 50109, "The request body contains invalid JSON.")
    return payload


def _has_body(payload: JSON, files: int) -> bool:
    content = payload.get("content")
    return bool(
        (isinstance(content, str) and content.strip())
        or payload.get("embeds")
        or payload.get("components")
        or payload.get("sticker_ids")
        or payload.get("poll")
        or files
    )


def check_modal(data: Any, path: Sequence[str | int] = ("data",)) -> None:
    """A modal: custom_id, title <= 45, 1-5 components, each an action row holding one text input, a label
    (type 18) holding a text input or a select, or a text display."""
    errors = FormErrors()
    if not isinstance(data, dict):
        errors.add(path, "BASE_TYPE_REQUIRED", "This field is required")
        errors.raise_if_any()
        return
    errors.text((*path, "custom_id"), data.get("custom_id"), MAX_CUSTOM_ID, low=1, required=True)
    errors.text((*path, "title"), data.get("title"), MODAL_TITLE, low=1, required=True)
    components = errors.items((*path, "components"), data.get("components"), MODAL_COMPONENTS, low=1)
    if data.get("components") is None:
        errors.add((*path, "components"), "BASE_TYPE_REQUIRED", "This field is required")
    seen: set[str] = set()
    for index, component in enumerate(components):
        _check_modal_component(errors, component, (*path, "components", index), seen)
    errors.raise_if_any()


def _check_modal_component(
    errors: FormErrors, component: Any, path: tuple[str | int, ...], seen: set[str]
) -> None:
    kind = component.get("type") if isinstance(component, dict) else None
    if kind == ACTION_ROW:
        children = errors.items((*path, "components"), component.get("components"), 1, low=1)
        for index, child in enumerate(children):
            if child.get("type") != TEXT_INPUT:
                errors.add(
                    (*path, "components", index, "type"),
                    "COMPONENT_TYPE_INVALID",
                    "The specified component type is invalid in this context",
                )
            else:
                _check_text_input(errors, child, (*path, "components", index), seen, in_label=False)
    elif kind == LABEL:
        errors.text((*path, "label"), component.get("label"), LABEL_TEXT, low=1, required=True)
        errors.text((*path, "description"), component.get("description"), LABEL_DESCRIPTION)
        child = component.get("component")
        if not isinstance(child, dict):
            errors.add((*path, "component"), "BASE_TYPE_REQUIRED", "This field is required")
        elif child.get("type") == TEXT_INPUT:
            _check_text_input(errors, child, (*path, "component"), seen, in_label=True)
        elif child.get("type") in SELECT_TYPES:
            _check_select(errors, child, (*path, "component"), seen)
        elif child.get("type") not in LABEL_ONLY_TYPES:
            errors.add(
                (*path, "component", "type"),
                "COMPONENT_TYPE_INVALID",
                "The specified component type is invalid in this context",
            )
    elif kind == 10:
        errors.text((*path, "content"), component.get("content"), 4000, low=1, required=True)
    else:
        errors.add(
            (*path, "type"),
            "COMPONENT_TYPE_INVALID",
            "The specified component type is invalid in this context",
        )


def _check_text_input(
    errors: FormErrors, text_input: JSON, path: tuple[str | int, ...], seen: set[str], *, in_label: bool
) -> None:
    _check_custom_id(errors, path, text_input.get("custom_id"), seen)
    errors.choice((*path, "style"), text_input.get("style"), (1, 2))
    errors.text((*path, "label"), text_input.get("label"), TEXT_INPUT_LABEL, low=1, required=not in_label)
    errors.text((*path, "value"), text_input.get("value"), TEXT_INPUT_VALUE)
    errors.text((*path, "placeholder"), text_input.get("placeholder"), TEXT_INPUT_PLACEHOLDER)
    for bound, low in (("min_length", 0), ("max_length", 1)):
        value = text_input.get(bound)
        if value is not None and not (isinstance(value, int) and low <= value <= TEXT_INPUT_VALUE):
            errors.add(
                (*path, bound),
                "NUMBER_TYPE_MAX",
                f"int value should be between {low} and {TEXT_INPUT_VALUE}.",
            )


def valid_command_name(name: Any, command_type: int) -> bool:
    """CHAT_INPUT names (and option names): 1-32 letters, digits, - _ ', lowercase where a letter has case.
    USER and MESSAGE commands: 1-32 of anything, spaces and capitals included."""
    if not isinstance(name, str) or not 1 <= len(name) <= COMMAND_NAME:
        return False
    if command_type != 1:
        return True
    allowed = all(char in "-_'" or unicodedata.category(char)[0] in "LN" for char in name)
    return allowed and name == name.lower()


def check_commands(commands: Any) -> None:
    """A bulk overwrite: Discord's limits on names, descriptions, options, localizations and counts."""
    errors = FormErrors()
    if not isinstance(commands, list):
        raise DiscordError(
            400,
            50035,
            "Invalid Form Body",
            {"_errors": [{"code": "BASE_TYPE_ARRAY", "message": "Must be an array."}]},
        )
    for index, command in enumerate(commands):
        _check_command(errors, command, (index,))
    counts = {
        kind: sum(1 for c in commands if isinstance(c, dict) and c.get("type", 1) == kind)
        for kind in (1, 2, 3)
    }
    if counts[1] > MAX_CHAT_INPUT_COMMANDS or max(counts[2], counts[3]) > MAX_CONTEXT_MENU_COMMANDS:
        errors.add((), "APPLICATION_COMMANDS_TOO_MANY", "Maximum number of application commands reached")
    names = [(c.get("type", 1), c.get("name")) for c in commands if isinstance(c, dict)]
    for index, key in enumerate(names):
        if key in names[:index]:
            errors.add(
                (index, "name"),
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
                f"Application command names must be unique: {key[1]}",
            )
    errors.raise_if_any()


def _check_command(errors: FormErrors, command: Any, path: tuple[str | int, ...]) -> None:
    if not isinstance(command, dict):
        errors.add(path, "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
        return
    kind = command.get("type", 1)
    if not errors.choice((*path, "type"), kind, (1, 2, 3, 4)):
        return
    _check_name_and_description(errors, command, path, kind)
    if kind != 1 and command.get("options"):
        errors.add(
            (*path, "options"),
            "APPLICATION_COMMAND_OPTIONS_NOT_ALLOWED",
            "Options are only allowed on CHAT_INPUT commands",
        )
    _check_options(errors, command.get("options"), (*path, "options"), depth=0)


def _check_name_and_description(
    errors: FormErrors, item: JSON, path: tuple[str | int, ...], kind: int
) -> None:
    name = item.get("name")
    if name is None:
        errors.add((*path, "name"), "BASE_TYPE_REQUIRED", "This field is required")
    elif not valid_command_name(name, kind):
        errors.add((*path, "name"), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
    description = item.get("description")
    if kind == 1:
        errors.text((*path, "description"), description, COMMAND_DESCRIPTION, low=1, required=True)
    elif description:
        errors.add(
            (*path, "description"),
            "APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION",
            "Context menu commands cannot have description",
        )
    _check_localizations(
        errors, item.get("name_localizations"), (*path, "name_localizations"), kind, name=True
    )
    _check_localizations(
        errors, item.get("description_localizations"), (*path, "description_localizations"), kind, name=False
    )


def _check_localizations(
    errors: FormErrors, localizations: Any, path: tuple[str | int, ...], kind: int, *, name: bool
) -> None:
    if localizations is None:
        return
    if not isinstance(localizations, dict):
        errors.add(path, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
        return
    for locale, text in localizations.items():
        if locale not in LOCALES:
            errors.add((*path, locale), "ENUM_TYPE_COERCE", f'Value "{locale}" is not a valid enum value.')
        elif name and not valid_command_name(text, kind):
            errors.add((*path, locale), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
        elif not name:
            errors.text((*path, locale), text, COMMAND_DESCRIPTION, low=1, required=True)


def _check_options(errors: FormErrors, options: Any, path: tuple[str | int, ...], *, depth: int) -> None:
    optional_seen = False
    names: set[str] = set()
    for index, option in enumerate(errors.items(path, options, COMMAND_OPTIONS)):
        where = (*path, index)
        if not isinstance(option, dict) or not errors.choice(
            (*where, "type"), option.get("type"), range(1, 12)
        ):
            continue
        _check_name_and_description(errors, option, where, 1)
        if option.get("name") in names:
            errors.add(
                (*where, "name"),
                "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS",
                "Option names must be unique",
            )
        names.add(option.get("name"))
        if option["type"] in (1, 2):
            if depth >= (1 if option["type"] == 2 else 2):
                errors.add(
                    (*where, "type"),
                    "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                    "Sub-command groups cannot be nested this deep",
                )
            _check_options(errors, option.get("options"), (*where, "options"), depth=depth + 1)
            continue
        if option.get("required"):
            if optional_seen:
                errors.add(
                    (*where, "required"),
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options",
                )
        else:
            optional_seen = True
        _check_choices(errors, option, where)


def _check_choices(errors: FormErrors, option: JSON, path: tuple[str | int, ...]) -> None:
    for index, choice in enumerate(errors.items((*path, "choices"), option.get("choices"), COMMAND_CHOICES)):
        where = (*path, "choices", index)
        errors.text((*where, "name"), choice.get("name"), 100, low=1, required=True)
        value = choice.get("value")
        if isinstance(value, str):
            errors.text((*where, "value"), value, 100, low=1)
        _check_localizations(
            errors, choice.get("name_localizations"), (*where, "name_localizations"), 1, name=False
        )


# --- The world: users, guilds, roles, channels, messages ---------------------------------------------------


def _iso(moment: dt.datetime | None = None) -> str:
    return (moment or dt.datetime.now(dt.UTC)).isoformat()


@dataclass
class FakeUser:
    id: int
    username: str
    global_name: str | None = None
    bot: bool = False
    dms_open: bool = True  # False: the user closed DMs from server members, sends to their DM fail (50007)

    def to_api(self) -> JSON:
        user: JSON = {
            "id": str(self.id),
            "username": self.username,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": None,
            "public_flags": 0,
        }
        if self.bot:
            user["bot"] = True
        return user


@dataclass
class FakeRole:
    id: int
    name: str
    permissions: int
    position: int = 0
    bot_id: int | None = None  # the managed role Discord gives a bot when it joins

    def to_api(self) -> JSON:
        role: JSON = {
            "id": str(self.id),
            "name": self.name,
            "permissions": str(int(self.permissions)),
            "position": self.position,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "managed": self.bot_id is not None,
            "mentionable": False,
            "icon": None,
            "unicode_emoji": None,
            "flags": 0,
        }
        if self.bot_id is not None:
            role["tags"] = {"bot_id": str(self.bot_id)}
        return role


@dataclass
class FakeMember:
    user: FakeUser
    roles: list[int] = field(default_factory=list)
    nick: str | None = None
    joined_at: str = field(default_factory=_iso)

    def to_api(self) -> JSON:
        return {
            "user": self.user.to_api(),
            "roles": [str(role) for role in self.roles],
            "nick": self.nick,
            "avatar": None,
            "banner": None,
            "joined_at": self.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }


@dataclass(frozen=True)
class Overwrite:
    """A channel permission overwrite for a role (the guild's id is @everyone) or a member."""

    id: int
    kind: str  # "role" or "member"
    allow: int = 0
    deny: int = 0

    @classmethod
    def role(cls, role_id: int, *, allow: int = 0, deny: int = 0) -> Overwrite:
        return cls(role_id, "role", int(allow), int(deny))

    @classmethod
    def member(cls, user_id: int, *, allow: int = 0, deny: int = 0) -> Overwrite:
        return cls(user_id, "member", int(allow), int(deny))

    def to_api(self) -> JSON:
        return {
            "id": str(self.id),
            "type": 0 if self.kind == "role" else 1,
            "allow": str(self.allow),
            "deny": str(self.deny),
        }


@dataclass
class FakeChannel:
    id: int
    type: int
    name: str | None
    guild_id: int | None = None
    position: int = 0
    parent_id: int | None = None
    topic: str | None = None
    overwrites: list[Overwrite] = field(default_factory=list)
    recipient_id: int | None = None  # DMs
    owner_id: int | None = None  # threads
    archived: bool = False
    locked: bool = False
    auto_archive_duration: int = 1440
    created_at: str = field(default_factory=_iso)
    last_message_id: int | None = None
    message_count: int = 0

    @property
    def is_thread(self) -> bool:
        return self.type in THREAD_TYPES

    @property
    def is_dm(self) -> bool:
        return self.type == ChannelType.DM

    def to_api(self, recipient: FakeUser | None = None) -> JSON:
        last = None if self.last_message_id is None else str(self.last_message_id)
        if self.is_dm:
            recipients = [recipient.to_api()] if recipient else []
            return {
                "id": str(self.id),
                "type": self.type,
                "last_message_id": last,
                "recipients": recipients,
                "flags": 0,
            }
        channel: JSON = {
            "id": str(self.id),
            "type": self.type,
            "guild_id": str(self.guild_id),
            "name": self.name,
            "parent_id": None if self.parent_id is None else str(self.parent_id),
            "last_message_id": last,
            "rate_limit_per_user": 0,
            "flags": 0,
            "nsfw": False,
        }
        if self.is_thread:
            return channel | self._thread_fields()
        return channel | {
            "position": self.position,
            "permission_overwrites": [overwrite.to_api() for overwrite in self.overwrites],
            "topic": self.topic,
            "default_auto_archive_duration": 1440,
        }

    def _thread_fields(self) -> JSON:
        metadata = {
            "archived": self.archived,
            "auto_archive_duration": self.auto_archive_duration,
            "archive_timestamp": self.created_at,
            "locked": self.locked,
            "create_timestamp": self.created_at,
        }
        if self.type == ChannelType.PRIVATE_THREAD:
            metadata["invitable"] = True
        return {
            "owner_id": str(self.owner_id),
            "message_count": self.message_count,
            "total_message_sent": self.message_count,
            "member_count": 1,
            "thread_metadata": metadata,
            "applied_tags": [],
        }


@dataclass
class FakeGuild:
    id: int
    name: str
    owner_id: int
    roles: dict[int, FakeRole] = field(default_factory=dict)
    members: dict[int, FakeMember] = field(default_factory=dict)
    channel_ids: list[int] = field(default_factory=list)  # channels and threads, in creation order
    bot_joined: bool = True
    preferred_locale: str = "zh-CN"

    @property
    def everyone(self) -> FakeRole:
        return self.roles[self.id]


@dataclass(frozen=True)
class UploadedFile:
    """One file part of a multipart request, as the fake received it."""

    field: str
    filename: str | None
    content_type: str | None
    content: bytes


@dataclass
class StoredAttachment:
    id: int
    filename: str
    content_type: str | None
    content: bytes
    description: str | None = None
    ephemeral: bool = False

    def to_api(self, base_url: str, channel_id: int) -> JSON:
        url = f"{base_url}/attachments/{channel_id}/{self.id}/{self.filename}"
        attachment: JSON = {
            "id": str(self.id),
            "filename": self.filename,
            "size": len(self.content),
            "url": url,
            "proxy_url": url,
            "content_type": self.content_type,
        }
        if self.description is not None:
            attachment["description"] = self.description
        if self.ephemeral:
            attachment["ephemeral"] = True
        return attachment


@dataclass
class StoredMessage:
    """A message as it stands now: edits change it in place, deletes mark it deleted."""

    id: int
    channel_id: int
    guild_id: int | None
    author: JSON
    content: str = ""
    embeds: list[JSON] = field(default_factory=list)
    components: list[JSON] = field(default_factory=list)
    attachments: list[StoredAttachment] = field(default_factory=list)
    flags: int = 0
    type: int = 0
    created_at: str = field(default_factory=_iso)
    edited_at: str | None = None
    webhook_id: int | None = None  # interaction responses and followups are sent by the app's webhook
    interaction_metadata: JSON | None = None
    message_reference: JSON | None = None
    nonce: str | int | None = None
    thread_id: int | None = None
    deleted: bool = False
    edits: int = 0

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & MessageFlag.EPHEMERAL)

    @property
    def loading(self) -> bool:
        """A deferred response's "thinking..." message that nothing has filled yet."""
        return bool(self.flags & MessageFlag.LOADING)

    @property
    def buttons(self) -> list[JSON]:
        return [c for c in _walk_components(self.components) if c.get("type") == BUTTON]

    @property
    def custom_ids(self) -> list[str]:
        return [c["custom_id"] for c in _walk_components(self.components) if c.get("custom_id")]

    def component(self, custom_id: str) -> JSON | None:
        return next((c for c in _walk_components(self.components) if c.get("custom_id") == custom_id), None)

    def to_api(self, base_url: str) -> JSON:
        message: JSON = {
            "id": str(self.id),
            "channel_id": str(self.channel_id),
            "type": self.type,
            "author": self.author,
            "content": self.content,
            "timestamp": self.created_at,
            "edited_timestamp": self.edited_at,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "mention_channels": [],
            "attachments": [a.to_api(base_url, self.channel_id) for a in self.attachments],
            "embeds": copy.deepcopy(self.embeds),
            "components": copy.deepcopy(self.components),
            "pinned": False,
            "flags": self.flags,
        }
        if self.guild_id is not None:
            message["guild_id"] = str(self.guild_id)
        if self.webhook_id is not None:
            message["webhook_id"] = str(self.webhook_id)
            message["application_id"] = str(self.webhook_id)
        if self.interaction_metadata is not None:
            message["interaction_metadata"] = copy.deepcopy(self.interaction_metadata)
        if self.message_reference is not None:
            message["message_reference"] = dict(self.message_reference)
        if self.nonce is not None:
            message["nonce"] = self.nonce
        return message


def _walk_components(components: Iterable[JSON]) -> Iterable[JSON]:
    for component in components:
        yield component
        yield from _walk_components(component.get("components") or [])
        for key in ("component", "accessory"):
            if isinstance(child := component.get(key), dict):
                yield from _walk_components([child])


@dataclass
class FakeInteraction:
    """An interaction the fake sent the bot, and everything the bot answered to it.

    `message` is the original response (or, after a deferred update or an update, the message the
    component is on) as it stands now; `followups` the followup messages, in order. The first followup
    after a deferred channel message *is* the original message, as on Discord.
    """

    id: int
    token: str
    type: int
    channel_id: int
    guild_id: int | None
    user_id: int
    payload: JSON  # the INTERACTION_CREATE data as dispatched
    created_at: float = field(default_factory=time.monotonic)
    response_type: int | None = None
    response_data: JSON | None = None  # the callback's `data`, as the bot sent it
    responded_at: float | None = None
    message: StoredMessage | None = None
    source_message: StoredMessage | None = None  # the message a component was on
    modal: JSON | None = None
    followups: list[StoredMessage] = field(default_factory=list)
    callbacks: int = 0  # initial responses attempted, the refused ones included

    @property
    def responded(self) -> bool:
        return self.response_type is not None

    @property
    def deferred(self) -> bool:
        return self.response_type in (
            Callback.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE,
            Callback.DEFERRED_UPDATE_MESSAGE,
        )

    @property
    def ephemeral(self) -> bool:
        return self.message is not None and self.message.ephemeral

    @property
    def content(self) -> str | None:
        return None if self.message is None else self.message.content

    @property
    def embeds(self) -> list[JSON]:
        return [] if self.message is None else self.message.embeds

    @property
    def components(self) -> list[JSON]:
        return [] if self.message is None else self.message.components

    @property
    def attachments(self) -> list[StoredAttachment]:
        return [] if self.message is None else self.message.attachments

    @property
    def flags(self) -> int:
        return 0 if self.message is None else self.message.flags

    @property
    def response_seconds(self) -> float | None:
        """How long the bot took to give its initial response."""
        return None if self.responded_at is None else self.responded_at - self.created_at


# --- Permissions -----------------------------------------------------------------------------------------


def base_permissions(guild: FakeGuild, user_id: int) -> int:
    """Guild-wide permissions: @everyone and the member's roles; owner and ADMINISTRATOR get everything."""
    if user_id == guild.owner_id:
        return ALL_PERMISSIONS
    member = guild.members.get(user_id)
    permissions = int(guild.everyone.permissions)
    for role_id in member.roles if member else []:
        if role := guild.roles.get(role_id):
            permissions |= int(role.permissions)
    if permissions & Permission.ADMINISTRATOR:
        return ALL_PERMISSIONS
    return permissions


def channel_permissions(guild: FakeGuild, user_id: int, channel: FakeChannel) -> int:
    """Discord's overwrite order: @everyone's, then all role overwrites together, then the member's.
    Without VIEW_CHANNEL nothing else counts. `channel` must be the thread's parent for a thread."""
    permissions = base_permissions(guild, user_id)
    if permissions == ALL_PERMISSIONS:
        return permissions
    overwrites = {(o.kind, o.id): o for o in channel.overwrites}
    if everyone := overwrites.get(("role", guild.id)):
        permissions = (permissions & ~everyone.deny) | everyone.allow
    member = guild.members.get(user_id)
    allow = deny = 0
    for role_id in member.roles if member else []:
        if role_overwrite := overwrites.get(("role", role_id)):
            allow |= role_overwrite.allow
            deny |= role_overwrite.deny
    permissions = (permissions & ~deny) | allow
    if own := overwrites.get(("member", user_id)):
        permissions = (permissions & ~own.deny) | own.allow
    return permissions if permissions & Permission.VIEW_CHANNEL else 0


# --- Requests, calls and rate limits ---------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    """One REST request the fake answered. Tokens are never kept: path parameters that are tokens are
    redacted, and the Authorization header is not recorded at all."""

    method: str
    route: str  # "POST /channels/{channel_id}/messages", or the raw path for an unknown route
    params: dict[str, str]
    query: dict[str, str]
    payload: Any
    files: tuple[UploadedFile, ...]
    status: int
    response: Any
    at: float = field(default_factory=time.monotonic)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def code(self) -> int | None:
        return self.response.get("code") if isinstance(self.response, dict) and not self.ok else None

    def __str__(self) -> str:
        payload = json.dumps(self.payload, ensure_ascii=False, default=str)[:160]
        outcome = "ok" if self.ok else f"{self.status} {json.dumps(self.response, ensure_ascii=False)[:160]}"
        return f"{self.route} {self.params} -> {outcome}; payload={payload}"


@dataclass
class _Request:
    method: str
    route: str
    params: dict[str, str]
    query: Mapping[str, str]
    payload: Any
    files: list[UploadedFile]


@dataclass
class _Bucket:
    """A fixed window, as Discord's: it starts with the first request and resets `per` seconds later."""

    limit: int
    per: float
    used: int = 0
    resets_at: float = 0.0

    def roll(self, now: float) -> None:
        if now >= self.resets_at:
            self.used = 0
            self.resets_at = now + self.per

    def reset_after(self, now: float) -> float:
        return max(0.0, self.resets_at - now)


@dataclass(frozen=True)
class _Failure:
    status: int
    code: int
    message: str
    retry_after: float
    is_global: bool
    scope: str


def _route_shape(route: str) -> str:
    """Routes compare by shape, so "POST /channels/{id}/messages" matches discord.py's spelling too."""
    method, _, path = route.partition(" ")
    parts = ["{}" if part.startswith("{") and part.endswith("}") else part for part in path.split("/")]
    return f"{method.upper()} {'/'.join(parts)}"


def _bucket_hash(route: str) -> str:
    return hashlib.sha1(route.encode()).hexdigest()[:16]


def _major_parameters(params: Mapping[str, str]) -> str:
    keys = ("channel_id", "guild_id", "webhook_id", "webhook_token")
    return "+".join(params[key] for key in keys if key in params)


def _match_segments(template: str, path: str) -> dict[str, str] | None:
    names = template.strip("/").split("/")
    parts = path.strip("/").split("/")
    if len(names) != len(parts):
        return None
    params: dict[str, str] = {}
    for name, part in zip(names, parts, strict=True):
        if name.startswith("{"):
            if not part:
                return None
            params[name[1:-1]] = part
        elif name != part:
            return None
    return params


async def _read_body(request: web.Request) -> tuple[Any, list[UploadedFile]]:
    """A JSON body, or multipart with `payload_json` and file parts (`files[n]`), as discord.py sends."""
    if request.content_type == "multipart/form-data":
        payload: Any = None
        files: list[UploadedFile] = []
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader) or part.name is None:
                continue
            if part.filename is None and part.name == "payload_json":
                payload = _parse_json(await part.text())
            elif part.filename is not None:
                content = bytes(await part.read())
                files.append(
                    UploadedFile(part.name, part.filename, part.headers.get(hdrs.CONTENT_TYPE), content)
                )
        return payload, files
    if not request.can_read_body:
        return None, []
    return _parse_json(await request.text()), []


def _parse_json(text: str) -> Any:
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        raise DiscordError(400, 50109, "The request body contains invalid JSON.") from None


def _file_index(upload: UploadedFile) -> int | None:
    name = upload.field
    if name.startswith("files[") and name.endswith("]") and name[6:-1].isdigit():
        return int(name[6:-1])
    return None


def _truthy(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true")


# --- The gateway -----------------------------------------------------------------------------------------


def _zstd_compressor() -> Callable[[bytes], bytes] | None:
    """discord.py asks for zstd-stream when it can import a zstd module; answer in kind if we can too."""
    try:
        from compression import zstd  # type: ignore[import-not-found]  # Python 3.14+

        std = zstd.ZstdCompressor()
        return lambda data: std.compress(data, mode=zstd.ZstdCompressor.FLUSH_BLOCK)
    except ImportError:
        pass
    try:
        import zstandard  # type: ignore[import-not-found]
    except ImportError:
        return None
    stream = zstandard.ZstdCompressor().compressobj()
    return lambda data: stream.compress(data) + stream.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)


def _zlib_compressor() -> Callable[[bytes], bytes]:
    """One zlib context for the whole connection; each payload ends with Z_SYNC_FLUSH's 00 00 ff ff."""
    stream = zlib.compressobj()
    return lambda data: stream.compress(data) + stream.flush(zlib.Z_SYNC_FLUSH)


@dataclass(frozen=True)
class GatewayFrame:
    """A payload the bot sent over the gateway (tokens redacted)."""

    op: int
    data: Any
    at: float = field(default_factory=time.monotonic)

    @property
    def name(self) -> str:
        return OPCODES.get(self.op, str(self.op))


class _Connection:
    """One websocket: payloads queue in `outbox` and one writer sends them in order, compressed."""

    def __init__(self, ws: web.WebSocketResponse, compress: Callable[[bytes], bytes] | None) -> None:
        self.ws = ws
        self.compress = compress
        self.outbox: asyncio.Queue[JSON] = asyncio.Queue()
        self.session: _Session | None = None
        self.writer: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.writer = asyncio.create_task(self._write(), name="fake-discord-gateway-writer")

    def send(self, payload: JSON) -> None:
        self.outbox.put_nowait(payload)

    async def drain(self) -> None:
        """Until every queued payload is on the socket (or the socket is gone)."""
        if self.writer is not None and not self.writer.done():
            await self.outbox.join()

    async def _write(self) -> None:
        while True:
            payload = await self.outbox.get()
            try:
                data = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
                if self.compress is None:
                    await self.ws.send_str(data.decode())
                else:
                    await self.ws.send_bytes(self.compress(data))
            except (ConnectionError, RuntimeError):
                pass  # the socket closed under us: the session keeps the event for a RESUME
            finally:
                self.outbox.task_done()

    async def close(self, code: int, reason: str = "") -> None:
        await self.drain()
        if not self.ws.closed:
            await self.ws.close(code=code, message=reason.encode())

    async def stop(self) -> None:
        if self.writer is not None:
            self.writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.writer
        while not self.outbox.empty():  # nobody will send these; let drain() waiters go
            self.outbox.get_nowait()
            self.outbox.task_done()


@dataclass
class _Session:
    id: str
    intents: int
    shard: tuple[int, int]
    seq: int = 0
    log: deque[JSON] = field(default_factory=lambda: deque(maxlen=EVENT_BUFFER))
    connection: _Connection | None = None
    valid: bool = True

    def record(self, event: str, data: JSON) -> JSON:
        self.seq += 1
        payload = {"op": 0, "t": event, "s": self.seq, "d": data}
        self.log.append(payload)
        return payload

    def missed(self, seq: int) -> list[JSON] | None:
        """Dispatches after `seq`, or None if some of them are no longer kept."""
        if seq > self.seq:
            return None
        kept = [payload for payload in self.log if payload["s"] > seq]
        if self.seq - seq > len(kept):
            return None
        return kept


def _redact_token(op: int, data: Any) -> Any:
    if op in (2, 6) and isinstance(data, dict) and "token" in data:
        return {**data, "token": REDACTED}
    return data


# --- The server -----------------------------------------------------------------------------------------


class FakeDiscordServer:
    """The Discord API on 127.0.0.1 (a free port), served by aiohttp in the test's own event loop.

    `async with FakeDiscordServer() as fake:`, build the world (`add_guild`, `add_text_channel`,
    `add_user`, `add_member`), point discord.py at `fake.url` and `fake.gateway_url`, start the client.
    Inject interactions with `slash_command`, `press_button`, `select`, `submit_modal`, `message_command`,
    `user_command`; read `calls`, `messages(channel)`, `commands(guild)`; `await wait_for_response(...)`,
    `wait_for(...)`, `wait_until(...)` rather than sleeping; break things with `fail_next`, `rate_limit`,
    `set_overwrites`, `delete_channel`, `remove_bot_from_guild`, `close_dms`, `disconnect_gateway`.
    """

    def __init__(
        self,
        *,
        token: str = TOKEN,
        application_id: int = APPLICATION_ID,
        bot_username: str = BOT_USERNAME,
        heartbeat_interval: float = 41.25,
        interaction_deadline: float = 3.0,
        token_lifetime: float = 15 * 60.0,
        privileged_intents: int = 0,
        message_limit: tuple[int, float] = (5, 5.0),
        default_limit: tuple[int, float] = (50, 1.0),
        global_limit: int | None = 50,
    ) -> None:
        self.token = token
        self.application_id = application_id
        self.bot = FakeUser(application_id, bot_username, bot=True)
        self.heartbeat_interval = heartbeat_interval
        self.interaction_deadline = interaction_deadline
        self.token_lifetime = token_lifetime
        self.privileged_intents = int(privileged_intents)
        self.rate_limited_count = 0  # 429 answers, from the limits and from fail_next alike
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._routes = [(method, template, handler, auth) for method, template, handler, auth in ROUTES]
        self._calls: list[Call] = []
        self._waiters: set[asyncio.Event] = set()
        self._last_id = 0
        self._users: dict[int, FakeUser] = {self.bot.id: self.bot}
        self._guilds: dict[int, FakeGuild] = {}
        self._channels: dict[int, FakeChannel] = {}
        self._dms: dict[int, int] = {}  # user id -> DM channel id
        self._messages: dict[int, dict[int, StoredMessage]] = {}  # channel id -> message id -> message
        self._interactions: dict[int, FakeInteraction] = {}
        self._by_token: dict[str, FakeInteraction] = {}
        self._commands: dict[int | None, list[JSON]] = {}  # guild id (None: global) -> commands
        self._nonces: dict[tuple[int, str], int] = {}
        # Rate limits
        self._limits: dict[str, tuple[int, float]] = {_route_shape(MESSAGE_ROUTE): message_limit}
        self._default_limit = default_limit
        self._global_limit = global_limit
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._global_window: deque[float] = deque()
        self._failures: dict[str, deque[_Failure]] = {}
        # Gateway
        self.gateway_log: list[GatewayFrame] = []
        self.gateway_queries: list[dict[str, str]] = []  # ?v=&encoding=&compress= of each connection
        self.identify_count = 0
        self.resume_count = 0
        self.presence_updates: list[JSON] = []
        self._sessions: dict[str, _Session] = {}
        self._session: _Session | None = None
        self._connections: set[_Connection] = set()
        self._gateway_open = asyncio.Event()
        self._gateway_open.set()

    # Lifecycle

    @property
    def url(self) -> str:
        if self._port is None:
            raise RuntimeError("the fake Discord server is not running")
        return f"http://127.0.0.1:{self._port}"

    @property
    def api_url(self) -> str:
        """What `discord.http.Route.BASE` must be."""
        return f"{self.url}/api/v10"

    @property
    def gateway_url(self) -> str:
        """What `DiscordWebSocket.DEFAULT_GATEWAY` must be (discord.py appends ?v=10&encoding=json&...)."""
        return f"ws://127.0.0.1:{self._port}/gateway" if self._port else self.url

    async def start(self) -> Self:
        app = web.Application(client_max_size=8 * ATTACHMENT_SIZE_LIMIT)
        app.router.add_get("/gateway", self._handle_gateway)
        app.router.add_get("/attachments/{channel_id}/{attachment_id}/{filename}", self._download)
        app.router.add_route("*", "/api/v{version}/{path:.*}", self._handle_rest)
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self._port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()
        return self

    async def stop(self) -> None:
        """Close every gateway connection (1001, going away) before the HTTP server goes."""
        self._gateway_open.set()
        for connection in list(self._connections):
            await connection.close(1001, "the fake is stopping")
            await connection.stop()
        if self._runner is not None:
            await self._runner.cleanup()
        self._runner = None
        self._port = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # The world

    def add_user(self, username: str, *, user_id: int | None = None, dms_open: bool = True) -> FakeUser:
        user = FakeUser(
            user_id or self._snowflake(), username, global_name=username.title(), dms_open=dms_open
        )
        self._users[user.id] = user
        return user

    def add_guild(
        self,
        name: str,
        *,
        guild_id: int | None = None,
        owner: FakeUser | None = None,
        everyone_permissions: int = DEFAULT_EVERYONE_PERMISSIONS,
        bot_permissions: int = DEFAULT_BOT_PERMISSIONS,
        preferred_locale: str = "zh-CN",
        bot_joined: bool = True,
    ) -> FakeGuild:
        """A guild with @everyone, the bot's managed role and its owner; the bot in it unless told not.
        Added while the bot is connected, it arrives as GUILD_CREATE, as when a bot is invited."""
        owner = owner or self.add_user(f"owner-of-{name}")
        guild = FakeGuild(guild_id or self._snowflake(), name, owner.id, preferred_locale=preferred_locale)
        guild.roles[guild.id] = FakeRole(guild.id, "@everyone", int(everyone_permissions))
        bot_role = FakeRole(
            self._snowflake(), self.bot.username, int(bot_permissions), position=1, bot_id=self.bot.id
        )
        guild.roles[bot_role.id] = bot_role
        guild.members[owner.id] = FakeMember(owner)
        guild.bot_joined = False
        self._guilds[guild.id] = guild
        if bot_joined:
            self.add_bot_to_guild(guild.id)
        return guild

    def add_role(self, guild_id: int, name: str, permissions: int) -> FakeRole:
        guild = self.guild(guild_id)
        role = FakeRole(self._snowflake(), name, int(permissions), position=len(guild.roles))
        guild.roles[role.id] = role
        self._dispatch(
            "GUILD_ROLE_CREATE", {"guild_id": str(guild.id), "role": role.to_api()}, Intent.GUILDS, guild
        )
        return role

    def set_role_permissions(self, guild_id: int, role_id: int, permissions: int) -> None:
        """Change a role (the guild's id for @everyone); the bot gets GUILD_ROLE_UPDATE."""
        guild = self.guild(guild_id)
        role = guild.roles[role_id]
        role.permissions = int(permissions)
        self._dispatch(
            "GUILD_ROLE_UPDATE", {"guild_id": str(guild.id), "role": role.to_api()}, Intent.GUILDS, guild
        )

    def bot_role(self, guild_id: int) -> FakeRole:
        return next(role for role in self.guild(guild_id).roles.values() if role.bot_id == self.bot.id)

    def add_member(
        self, guild_id: int, user: FakeUser | str, *, roles: Iterable[int] = (), nick: str | None = None
    ) -> FakeMember:
        """Put a user (or a new one, by username) in a guild; the bot gets GUILD_MEMBER_ADD."""
        guild = self.guild(guild_id)
        user = self.add_user(user) if isinstance(user, str) else user
        self._users.setdefault(user.id, user)
        member = FakeMember(user, list(roles), nick)
        guild.members[user.id] = member
        event = member.to_api() | {"guild_id": str(guild.id)}
        self._dispatch("GUILD_MEMBER_ADD", event, Intent.GUILD_MEMBERS, guild)
        return member

    def add_text_channel(
        self,
        guild_id: int,
        name: str,
        *,
        overwrites: Iterable[Overwrite] = (),
        channel_type: int = ChannelType.GUILD_TEXT,
        parent_id: int | None = None,
        topic: str | None = None,
        channel_id: int | None = None,
    ) -> FakeChannel:
        guild = self.guild(guild_id)
        position = sum(1 for cid in guild.channel_ids if not self._channels[cid].is_thread)
        channel = FakeChannel(
            channel_id or self._snowflake(),
            int(channel_type),
            name,
            guild.id,
            position,
            parent_id,
            topic,
            list(overwrites),
        )
        self._add_channel(guild, channel)
        self._dispatch("CHANNEL_CREATE", channel.to_api(), Intent.GUILDS, guild)
        return channel

    def set_overwrites(self, channel_id: int, overwrites: Iterable[Overwrite]) -> None:
        """Replace a channel's permission overwrites; the bot gets CHANNEL_UPDATE."""
        channel = self.channel(channel_id)
        channel.overwrites = list(overwrites)
        self._dispatch(
            "CHANNEL_UPDATE", channel.to_api(), Intent.GUILDS, self._guilds.get(channel.guild_id or 0)
        )

    def delete_channel(self, channel_id: int) -> None:
        channel = self._channels.pop(channel_id)
        guild = self._guilds.get(channel.guild_id or 0)
        if guild is not None:
            guild.channel_ids.remove(channel_id)
        event = "THREAD_DELETE" if channel.is_thread else "CHANNEL_DELETE"
        data = (
            channel.to_api()
            if not channel.is_thread
            else {
                "id": str(channel.id),
                "guild_id": str(channel.guild_id),
                "parent_id": str(channel.parent_id),
                "type": channel.type,
            }
        )
        self._dispatch(event, data, Intent.GUILDS, guild)

    def remove_bot_from_guild(self, guild_id: int) -> None:
        """Kick the bot: GUILD_DELETE (without `unavailable`), and from then on 403 Missing Access there."""
        guild = self.guild(guild_id)
        self._dispatch("GUILD_DELETE", {"id": str(guild.id)}, Intent.GUILDS, guild)
        guild.bot_joined = False
        guild.members.pop(self.bot.id, None)

    def add_bot_to_guild(self, guild_id: int) -> None:
        """Invite the bot (back): its member gets its managed role, and the bot gets GUILD_CREATE."""
        guild = self.guild(guild_id)
        guild.bot_joined = True
        guild.members[self.bot.id] = FakeMember(self.bot, [self.bot_role(guild.id).id])
        if self._session is not None and self._in_shard(self._session, guild.id):
            self._dispatch("GUILD_CREATE", self._guild_create(guild, self._session), Intent.GUILDS, None)

    def close_dms(self, user_id: int, closed: bool = True) -> None:
        """The user turns off DMs from server members: the bot's sends to their DM answer 403 50007."""
        self._users[user_id].dms_open = not closed

    def guild(self, guild_id: int) -> FakeGuild:
        return self._guilds[guild_id]

    def channel(self, channel_id: int) -> FakeChannel:
        return self._channels[channel_id]

    def dm_channel(self, user_id: int) -> FakeChannel:
        """The DM channel between the bot and a user (made on first use, as Discord does)."""
        if user_id not in self._dms:
            channel = FakeChannel(self._snowflake(), ChannelType.DM, None, recipient_id=user_id)
            self._channels[channel.id] = channel
            self._dms[user_id] = channel.id
        return self._channels[self._dms[user_id]]

    def permissions(self, user_id: int, channel_id: int) -> int:
        """A user's permissions in a channel, computed the way Discord documents it."""
        channel = self.channel(channel_id)
        if channel.is_dm:
            return int(DM_PERMISSIONS)
        guild = self.guild(channel.guild_id or 0)
        if user_id not in guild.members:
            return 0
        return channel_permissions(guild, user_id, self._permission_channel(channel))

    def post_user_message(self, channel_id: int, user_id: int, content: str) -> StoredMessage:
        """A user's message in a channel (a target for context-menu commands); the bot gets MESSAGE_CREATE."""
        channel = self.channel(channel_id)
        author = self._users[user_id].to_api()
        message = StoredMessage(self._snowflake(), channel.id, channel.guild_id, author, content)
        self._store_message(channel, message)
        return message

    # Inspecting

    @property
    def calls(self) -> list[Call]:
        return list(self._calls)

    def calls_to(self, route: str) -> list[Call]:
        shape = _route_shape(route)
        return [call for call in self._calls if _route_shape(call.route) == shape]

    def set_commands(self, commands: list[JSON], guild_id: int | None = None) -> list[JSON]:
        """Register commands as a bulk overwrite would (validated the same way), for client-less tests."""
        check_commands(commands)
        old = {(c["type"], c["name"]): c for c in self._commands.get(guild_id, [])}
        self._commands[guild_id] = [self._stored_command(command, old, guild_id) for command in commands]
        return self.commands(guild_id)

    def commands(self, guild_id: int | None = None) -> list[JSON]:
        """The application commands as last overwritten, globally or in one guild."""
        return copy.deepcopy(self._commands.get(guild_id, []))

    def messages(self, channel_id: int, *, ephemeral: bool = False) -> list[StoredMessage]:
        """Messages in a channel as they stand now, oldest first; ephemeral ones only when asked."""
        held = self._messages.get(channel_id, {})
        return [m for _, m in sorted(held.items()) if not m.deleted and (ephemeral or not m.ephemeral)]

    def message(self, message_id: int) -> StoredMessage | None:
        return next((held[message_id] for held in self._messages.values() if message_id in held), None)

    def message_counts(self) -> dict[int, int]:
        """The bot's non-ephemeral messages held per channel: duplicates and losses at a glance."""
        counts = {}
        for channel_id, held in self._messages.items():
            if count := sum(
                1
                for m in held.values()
                if not m.deleted and not m.ephemeral and m.author["id"] == str(self.bot.id)
            ):
                counts[channel_id] = count
        return counts

    def interaction(self, interaction_id: int) -> FakeInteraction:
        return self._interactions[interaction_id]

    def threads(self, parent_id: int) -> list[FakeChannel]:
        return [
            channel
            for channel in self._channels.values()
            if channel.parent_id == parent_id and channel.is_thread
        ]

    @property
    def gateway_connected(self) -> bool:
        return self._session is not None and self._session.connection is not None

    # Waiting

    async def wait_until(
        self, predicate: Callable[[], Any], timeout: float = 5.0, what: str = "a condition"
    ) -> Any:
        """Until `predicate()` is truthy; returns its value. Checked on each REST call and gateway event
        of the fake's: to wait for something on the client's side, use the client's own `wait_for`."""
        changed = asyncio.Event()
        self._waiters.add(changed)
        try:
            async with asyncio.timeout(timeout):
                while not (result := predicate()):
                    changed.clear()
                    await changed.wait()
                return result
        except TimeoutError:
            recent = "\n".join(f"  {call}" for call in self._calls[-15:]) or "  (none)"
            raise AssertionError(f"waited {timeout}s for {what}; recent calls:\n{recent}") from None
        finally:
            self._waiters.discard(changed)

    async def wait_for(
        self, what: str | Callable[[Call], bool], count: int = 1, timeout: float = 5.0
    ) -> list[Call]:
        """Until `count` calls in all match (a route such as "POST /channels/{channel_id}/messages", any
        outcome, or a predicate); returns them. A call is recorded once the fake has answered it."""
        if isinstance(what, str):
            shape = _route_shape(what)

            def matches(call: Call) -> bool:
                return _route_shape(call.route) == shape

        else:
            matches = what

        def found() -> list[Call] | None:
            calls = [call for call in self._calls if matches(call)]
            return calls if len(calls) >= count else None

        return await self.wait_until(found, timeout, f"{count} call(s) matching {what!r}")

    async def wait_for_response(
        self, interaction: FakeInteraction | int, timeout: float = 5.0
    ) -> FakeInteraction:
        """Until the bot has given the interaction its initial response; returns the interaction."""
        record = self._interaction_of(interaction)
        return await self.wait_until(
            lambda: record if record.responded else None, timeout, f"a response to {record.id}"
        )

    async def wait_for_followups(
        self, interaction: FakeInteraction | int, count: int = 1, timeout: float = 5.0
    ) -> list[StoredMessage]:
        record = self._interaction_of(interaction)

        def found() -> list[StoredMessage] | None:
            return list(record.followups) if len(record.followups) >= count else None

        return await self.wait_until(found, timeout, f"{count} followup(s) to {record.id}")

    async def wait_for_messages(
        self, channel_id: int, count: int = 1, timeout: float = 5.0
    ) -> list[StoredMessage]:
        def found() -> list[StoredMessage] | None:
            held = self.messages(channel_id)
            return held if len(held) >= count else None

        return await self.wait_until(found, timeout, f"{count} message(s) in {channel_id}")

    async def wait_for_gateway(self, op: str, count: int = 1, timeout: float = 5.0) -> list[GatewayFrame]:
        """Until the bot has sent `count` payloads of this opcode ("IDENTIFY", "RESUME", "HEARTBEAT", ...)."""

        def found() -> list[GatewayFrame] | None:
            frames = [frame for frame in self.gateway_log if frame.name == op]
            return frames if len(frames) >= count else None

        return await self.wait_until(found, timeout, f"{count} gateway {op}")

    def _interaction_of(self, interaction: FakeInteraction | int) -> FakeInteraction:
        return interaction if isinstance(interaction, FakeInteraction) else self._interactions[interaction]

    def _changed(self) -> None:
        for waiter in self._waiters:
            waiter.set()

    # Faults and limits

    def fail_next(
        self,
        route: str,
        status: int,
        code: int = 0,
        message: str | None = None,
        *,
        retry_after: float = 1.0,
        is_global: bool = False,
        scope: str = "user",
        count: int = 1,
    ) -> None:
        """The next `count` requests to `route` ("POST /channels/{channel_id}/messages") fail as told,
        after authentication and before anything else. A 429 gets rate-limit headers and body."""
        if status == 429:
            message = message or "You are being rate limited."
        failure = _Failure(
            status, code, message or f"{status}: injected failure", retry_after, is_global, scope
        )
        self._failures.setdefault(_route_shape(route), deque()).extend([failure] * count)

    def rate_limit(self, route: str, limit: int, per: float) -> None:
        """The bucket of `route`, per top-level resource: `limit` requests every `per` seconds."""
        self._limits[_route_shape(route)] = (limit, per)
        self._buckets = {
            key: bucket for key, bucket in self._buckets.items() if key[0] != _route_shape(route)
        }

    def global_rate_limit(self, per_second: int | None) -> None:
        """Requests a second across routes (interactions excepted), None for no limit; Discord's is 50."""
        self._global_limit = per_second

    # Gateway control

    async def disconnect_gateway(self, code: int = 4000, *, hold: bool = False) -> None:
        """Drop the bot's connection, as a network fault or a Discord restart would. The session stays
        resumable, and what happens meanwhile is replayed on RESUME. `hold`: new connections wait for
        HELLO until `release_gateway()`, so a test can inject while the bot is away."""
        if hold:
            self._gateway_open.clear()
        session = self._session
        if session is not None and session.connection is not None:
            connection = session.connection
            session.connection = None
            await connection.close(code, "dropped by the test")

    def release_gateway(self) -> None:
        self._gateway_open.set()

    async def send_reconnect(self) -> None:
        """Op 7 RECONNECT: Discord asks the bot to reconnect and resume."""
        await self._send_op(7, None)

    async def invalidate_session(self, *, resumable: bool = False) -> None:
        """Op 9 INVALID_SESSION; unless resumable, the session is gone and the bot must IDENTIFY anew."""
        if self._session is not None and not resumable:
            self._session.valid = False
        await self._send_op(9, resumable)

    async def _send_op(self, op: int, data: Any) -> None:
        if self._session is not None and (connection := self._session.connection) is not None:
            connection.send({"op": op, "d": data})
            await connection.drain()

    # Injecting interactions

    async def slash_command(
        self,
        name: str,
        *,
        user_id: int,
        channel_id: int | None = None,
        options: Mapping[str, Any] | None = None,
        locale: str = "zh-CN",
    ) -> FakeInteraction:
        """A user runs a registered CHAT_INPUT command ("lesson" or "lesson today" for a subcommand) in a
        guild channel, or in their DM with the bot when no channel is given. Option values are typed from
        the registered command; user, role and channel options take ids and get `resolved`."""
        channel = self._invocation_channel(user_id, channel_id)
        root, *path = name.split()
        command = self._registered(root, 1, channel)
        resolved: JSON = {}
        data: JSON = {"id": command["id"], "name": root, "type": 1}
        data["options"] = self._option_values(command, path, dict(options or {}), channel, user_id, resolved)
        if resolved:
            data["resolved"] = resolved
        if command.get("guild_id"):
            data["guild_id"] = command["guild_id"]
        return await self._inject(InteractionType.APPLICATION_COMMAND, data, channel, user_id, locale)

    async def message_command(
        self, name: str, message: StoredMessage | int, *, user_id: int, locale: str = "zh-CN"
    ) -> FakeInteraction:
        """A user picks a MESSAGE context-menu command (Apps > name) on a message."""
        target = self._held_message(message)
        channel = self.channel(target.channel_id)
        command = self._registered(name, 3, channel)
        data: JSON = {
            "id": command["id"],
            "name": name,
            "type": 3,
            "target_id": str(target.id),
            "resolved": {"messages": {str(target.id): target.to_api(self.url)}},
        }
        if command.get("guild_id"):
            data["guild_id"] = command["guild_id"]
        return await self._inject(InteractionType.APPLICATION_COMMAND, data, channel, user_id, locale)

    async def user_command(
        self,
        name: str,
        target_user_id: int,
        *,
        user_id: int,
        channel_id: int | None = None,
        locale: str = "zh-CN",
    ) -> FakeInteraction:
        """A user picks a USER context-menu command on another user."""
        channel = self._invocation_channel(user_id, channel_id)
        command = self._registered(name, 2, channel)
        resolved: JSON = {}
        self._resolve_user(target_user_id, channel, resolved)
        data: JSON = {
            "id": command["id"],
            "name": name,
            "type": 2,
            "target_id": str(target_user_id),
            "resolved": resolved,
        }
        if command.get("guild_id"):
            data["guild_id"] = command["guild_id"]
        return await self._inject(InteractionType.APPLICATION_COMMAND, data, channel, user_id, locale)

    async def press_button(
        self, message: StoredMessage | int, custom_id: str, *, user_id: int, locale: str = "zh-CN"
    ) -> FakeInteraction:
        """A user presses a button on a message the fake holds (an ephemeral one only by its user)."""
        target = self._held_message(message)
        button = target.component(custom_id)
        if button is None or button.get("type") != BUTTON:
            raise ValueError(f"message {target.id} has no button {custom_id!r}: {target.custom_ids}")
        if button.get("disabled"):
            raise ValueError(f"button {custom_id!r} is disabled: Discord's client cannot press it")
        data = {"custom_id": custom_id, "component_type": BUTTON}
        return await self._component_interaction(target, data, user_id, locale)

    async def select(
        self,
        message: StoredMessage | int,
        custom_id: str,
        values: Sequence[str],
        *,
        user_id: int,
        locale: str = "zh-CN",
    ) -> FakeInteraction:
        """A user picks `values` in a select menu on a message the fake holds."""
        target = self._held_message(message)
        menu = target.component(custom_id)
        if menu is None or menu.get("type") not in SELECT_TYPES:
            raise ValueError(f"message {target.id} has no select menu {custom_id!r}")
        if menu["type"] == STRING_SELECT:
            offered = {option["value"] for option in menu.get("options", [])}
            if unknown_values := set(values) - offered:
                raise ValueError(f"not options of {custom_id!r}: {sorted(unknown_values)}")
        data = {"custom_id": custom_id, "component_type": menu["type"], "values": list(values)}
        return await self._component_interaction(target, data, user_id, locale)

    async def submit_modal(
        self,
        opened_by: FakeInteraction | int,
        values: Mapping[str, str | Sequence[str]],
        *,
        locale: str = "zh-CN",
    ) -> FakeInteraction:
        """The user who got the modal fills it in and submits: a string per text input, a list per select
        (by custom_id). Components mirror the modal's layout (action rows or labels), as Discord's do."""
        opener = self._interaction_of(opened_by)
        if opener.modal is None:
            raise ValueError(f"interaction {opener.id} was not answered with a modal")
        fields = {
            c["custom_id"]: c for c in _walk_components(opener.modal["components"]) if c.get("custom_id")
        }
        if unknown_ids := set(values) - set(fields):
            raise ValueError(f"the modal has no inputs {sorted(unknown_ids)}")
        for custom_id, component in fields.items():
            _check_submitted_value(custom_id, component, values.get(custom_id))
        components = [_submitted(component, values) for component in opener.modal["components"]]
        data = {"custom_id": opener.modal["custom_id"], "components": components}
        channel = self.channel(opener.channel_id)
        return await self._inject(
            InteractionType.MODAL_SUBMIT, data, channel, opener.user_id, locale, opener.source_message
        )

    async def _component_interaction(
        self, target: StoredMessage, data: JSON, user_id: int, locale: str
    ) -> FakeInteraction:
        if (
            target.ephemeral
            and target.interaction_metadata
            and target.interaction_metadata["user"]["id"] != str(user_id)
        ):
            raise ValueError("only the user who got an ephemeral message can see its buttons")
        channel = self.channel(target.channel_id)
        return await self._inject(InteractionType.MESSAGE_COMPONENT, data, channel, user_id, locale, target)

    async def _inject(
        self,
        kind: int,
        data: JSON,
        channel: FakeChannel,
        user_id: int,
        locale: str,
        message: StoredMessage | None = None,
    ) -> FakeInteraction:
        interaction_id = self._snowflake()
        token = f"aW50ZXJhY3Rpb246{interaction_id}:{secrets.token_urlsafe(48)}"
        payload = self._interaction_payload(
            interaction_id, token, kind, data, channel, user_id, locale, message
        )
        record = FakeInteraction(interaction_id, token, kind, channel.id, channel.guild_id, user_id, payload)
        record.source_message = message
        self._interactions[interaction_id] = record
        self._by_token[token] = record
        self._dispatch("INTERACTION_CREATE", payload, None, None)
        await self._drain()
        return record

    def _interaction_payload(
        self,
        interaction_id: int,
        token: str,
        kind: int,
        data: JSON,
        channel: FakeChannel,
        user_id: int,
        locale: str,
        message: StoredMessage | None,
    ) -> JSON:
        payload: JSON = {
            "id": str(interaction_id),
            "application_id": str(self.application_id),
            "type": int(kind),
            "data": data,
            "token": token,
            "version": 1,
            "locale": locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
            "channel_id": str(channel.id),
            "app_permissions": str(
                self.permissions(self.bot.id, channel.id) if channel.guild_id else int(DM_PERMISSIONS)
            ),
        }
        user = self._users[user_id]
        channel_data = self._channel_api(channel) | {
            "permissions": str(self.permissions(user_id, channel.id))
        }
        payload["channel"] = channel_data
        if channel.guild_id is None:
            payload |= {"user": user.to_api(), "context": 1, "authorizing_integration_owners": {"0": "0"}}
        else:
            guild = self.guild(channel.guild_id)
            member = guild.members.get(user_id)
            if member is None:
                raise ValueError(f"user {user_id} is not a member of guild {guild.id}")
            payload |= {
                "guild_id": str(guild.id),
                "guild": {"id": str(guild.id), "locale": guild.preferred_locale, "features": []},
                "guild_locale": guild.preferred_locale,
                "member": member.to_api() | {"permissions": channel_data["permissions"]},
                "context": 0,
                "authorizing_integration_owners": {"0": str(guild.id)},
            }
        if message is not None:
            payload["message"] = message.to_api(self.url)
        return payload

    def _invocation_channel(self, user_id: int, channel_id: int | None) -> FakeChannel:
        if user_id not in self._users:
            raise ValueError(f"unknown user {user_id}: add_user or add_member first")
        return self.dm_channel(user_id) if channel_id is None else self.channel(channel_id)

    def _registered(self, name: str, kind: int, channel: FakeChannel) -> JSON:
        """The command Discord would run: the guild's own first, then the global one."""
        scopes: list[int | None] = [channel.guild_id, None] if channel.guild_id else [None]
        for scope in scopes:
            for command in self._commands.get(scope, []):
                if command["name"] == name and command["type"] == kind:
                    in_dms = command.get("dm_permission") is not False and 1 in (
                        command.get("contexts") or [0, 1]
                    )
                    if channel.is_dm and not in_dms:
                        raise ValueError(
                            f"command {name!r} is not available in DMs (contexts, dm_permission)"
                        )
                    return command
        raise ValueError(
            f"no command {name!r} of type {kind} is registered for channel {channel.id}: sync first"
        )

    def _option_values(
        self,
        command: JSON,
        path: list[str],
        given: dict[str, Any],
        channel: FakeChannel,
        user_id: int,
        resolved: JSON,
    ) -> list[JSON]:
        """Typed option values, nested under the subcommand group and subcommand named in `path`."""
        definitions = command.get("options") or []
        if path:
            sub = next((o for o in definitions if o["name"] == path[0] and o["type"] in (1, 2)), None)
            if sub is None:
                raise ValueError(f"no subcommand {path[0]!r} in {command['name']!r}")
            inner = self._option_values(sub, path[1:], given, channel, user_id, resolved)
            return [{"name": sub["name"], "type": sub["type"], "options": inner}]
        by_name = {definition["name"]: definition for definition in definitions}
        if unknown_names := set(given) - set(by_name):
            raise ValueError(f"{command['name']!r} has no options {sorted(unknown_names)}")
        missing = [d["name"] for d in definitions if d.get("required") and d["name"] not in given]
        if missing:
            raise ValueError(f"required options missing: {missing}")
        return [
            self._option_value(by_name[name], value, channel, user_id, resolved)
            for name, value in given.items()
        ]

    def _option_value(
        self, definition: JSON, value: Any, channel: FakeChannel, user_id: int, resolved: JSON
    ) -> JSON:
        kind = definition["type"]
        converted: Any
        if kind == 3:
            converted = str(value)
        elif kind == 4:
            converted = int(value)
        elif kind == 10:
            converted = float(value)
        elif kind == 5:
            converted = bool(value)
        elif kind == 6:
            converted = str(self._resolve_user(int(value), channel, resolved))
        elif kind == 7:
            converted = str(self._resolve_channel(int(value), user_id, resolved))
        elif kind == 8:
            converted = str(self._resolve_role(int(value), channel, resolved))
        else:
            raise ValueError(f"option type {kind} is not supported by the fake")
        choices = [choice["value"] for choice in definition.get("choices") or []]
        if choices and converted not in choices:
            raise ValueError(f"{converted!r} is not a choice of {definition['name']!r}: {choices}")
        return {"name": definition["name"], "type": kind, "value": converted}

    def _resolve_user(self, user_id: int, channel: FakeChannel, resolved: JSON) -> int:
        user = self._users[user_id]
        resolved.setdefault("users", {})[str(user_id)] = user.to_api()
        if channel.guild_id and (member := self.guild(channel.guild_id).members.get(user_id)):
            partial = {key: value for key, value in member.to_api().items() if key != "user"}
            partial["permissions"] = str(self.permissions(user_id, channel.id))
            resolved.setdefault("members", {})[str(user_id)] = partial
        return user_id

    def _resolve_channel(self, channel_id: int, user_id: int, resolved: JSON) -> int:
        """A channel option's resolved entry: a partial channel with the invoking user's permissions there."""
        target = self.channel(channel_id)
        entry: JSON = {
            "id": str(target.id),
            "name": target.name,
            "type": target.type,
            "permissions": str(self.permissions(user_id, target.id)),
            "flags": 0,
        }
        if target.parent_id is not None:
            entry["parent_id"] = str(target.parent_id)
        if target.is_thread:
            entry["thread_metadata"] = target.to_api()["thread_metadata"]
        resolved.setdefault("channels", {})[str(target.id)] = entry
        return channel_id

    def _resolve_role(self, role_id: int, channel: FakeChannel, resolved: JSON) -> int:
        role = self.guild(channel.guild_id or 0).roles[role_id]
        resolved.setdefault("roles", {})[str(role_id)] = role.to_api()
        return role_id

    def _held_message(self, message: StoredMessage | int) -> StoredMessage:
        message_id = message.id if isinstance(message, StoredMessage) else message
        found = self.message(message_id)
        if found is None or found.deleted:
            raise ValueError(f"the fake holds no message {message_id}")
        return found

    # HTTP

    async def _handle_rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["path"]
        headers: dict[str, str] = {"Via": "1.1 google"}  # discord.py retries a 429 only with a Via header
        route, params = f"{request.method} {path}", {}
        payload: Any = None
        files: list[UploadedFile] = []
        try:
            if request.match_info["version"] not in API_VERSIONS:
                raise DiscordError(400, 50041, "Invalid API version provided.")
            route, params, handler, auth = self._match(request.method, path)
            if auth == "bot":
                self._authenticate(request)
            self._inject_failure(route, params)
            headers |= self._meter(route, path, params)
            payload, files = await _read_body(request)
            result = await getattr(self, f"_rest_{handler}")(
                _Request(request.method, route, params, request.query, payload, files)
            )
            status, body = (204, None) if result is None else (200, result)
        except DiscordError as error:
            status, body = error.status, error.body()
            headers |= error.headers
        except Exception as error:  # a bug in the fake: answer and record it, so the test sees it
            _LOGGER.exception("the fake Discord server failed on %s", route)
            status, body = 500, {"message": f"500: the fake failed: {error!r}", "code": 0}
        self._record(
            Call(
                request.method,
                route,
                _redacted(params),
                dict(request.query),
                payload,
                tuple(files),
                status,
                body,
            )
        )
        if status == 204:
            return web.Response(status=204, headers=headers)
        # Exactly "application/json", as Discord sends it: discord.py parses JSON only on an exact match,
        # and aiohttp's json_response would add "; charset=utf-8".
        data = json.dumps(body, ensure_ascii=False).encode()
        return web.Response(
            body=data, status=status, headers=headers | {hdrs.CONTENT_TYPE: "application/json"}
        )

    def _match(self, method: str, path: str) -> tuple[str, dict[str, str], str, str]:
        allowed = False
        for route_method, template, handler, auth in self._routes:
            params = _match_segments(template, path)
            if params is None:
                continue
            if route_method == method:
                return f"{method} {template}", params, handler, auth
            allowed = True
        if allowed:
            raise DiscordError(405, 0, "405: Method Not Allowed")
        raise DiscordError(404, 0, "404: Not Found")

    def _authenticate(self, request: web.Request) -> None:
        if request.headers.get(hdrs.AUTHORIZATION) != f"Bot {self.token}":
            raise DiscordError(401, 0, "401: Unauthorized")

    def _inject_failure(self, route: str, params: Mapping[str, str]) -> None:
        queue = self._failures.get(_route_shape(route))
        if not queue:
            return
        failure = queue.popleft()
        if failure.status != 429:
            raise DiscordError(failure.status, failure.code, failure.message)
        limit, _ = self._limit_of(route)
        bucket = None if failure.is_global else (_bucket_hash(route), limit, 0, failure.retry_after)
        raise self._too_many(
            failure.retry_after, is_global=failure.is_global, scope=failure.scope, bucket=bucket
        )

    def _limit_of(self, route: str) -> tuple[int, float]:
        return self._limits.get(_route_shape(route), self._default_limit)

    def _meter(self, route: str, path: str, params: Mapping[str, str]) -> dict[str, str]:
        """Apply the global limit, then the route's bucket; returns the rate-limit headers to send."""
        now = time.monotonic()
        if self._global_limit is not None and not path.startswith(UNMETERED_PREFIXES):
            window = self._global_window
            while window and window[0] <= now - 1.0:
                window.popleft()
            if len(window) >= self._global_limit:
                raise self._too_many(window[0] + 1.0 - now, is_global=True, scope="global", bucket=None)
            window.append(now)
        limit, per = self._limit_of(route)
        key = (_route_shape(route), _major_parameters(params))
        bucket = self._buckets.setdefault(key, _Bucket(limit, per))
        bucket.roll(now)
        reset_after = bucket.reset_after(now)
        if bucket.used >= bucket.limit:
            raise self._too_many(
                reset_after,
                is_global=False,
                scope="user",
                bucket=(_bucket_hash(route), limit, 0, reset_after),
            )
        bucket.used += 1
        return _bucket_headers(_bucket_hash(route), limit, limit - bucket.used, reset_after)

    def _too_many(
        self, retry_after: float, *, is_global: bool, scope: str, bucket: tuple[str, int, int, float] | None
    ) -> DiscordError:
        retry_after = round(max(retry_after, 0.001), 3)
        headers = {"Retry-After": str(math.ceil(retry_after)), "X-RateLimit-Scope": scope}
        if is_global:
            headers["X-RateLimit-Global"] = "true"
        if bucket is not None:
            headers |= _bucket_headers(*bucket)
        body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": is_global}
        return DiscordError(429, 0, body["message"], headers=headers, body=body)

    def _record(self, call: Call) -> None:
        self._calls.append(call)
        if call.status == 429:
            self.rate_limited_count += 1
        self._changed()

    async def _download(self, request: web.Request) -> web.Response:
        """The CDN: an attachment's bytes, by the URL in its `url`."""
        held = self._messages.get(int(request.match_info["channel_id"]), {})
        wanted = int(request.match_info["attachment_id"])
        for message in held.values():
            for attachment in message.attachments:
                if attachment.id == wanted:
                    return web.Response(
                        body=attachment.content,
                        content_type=attachment.content_type or "application/octet-stream",
                    )
        return web.Response(status=404, text="Not Found")

    # REST: identity, gateway, application

    async def _rest_get_current_user(self, request: _Request) -> JSON:
        return self.bot.to_api() | {
            "verified": True,
            "mfa_enabled": False,
            "flags": 0,
            "email": None,
            "locale": "en-US",
        }

    async def _rest_get_application(self, request: _Request) -> JSON:
        return {
            "id": str(self.application_id),
            "name": self.bot.username,
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": hashlib.sha256(str(self.application_id).encode()).hexdigest(),
            "flags": self._application_flags(),
            "owner": FakeUser(self.application_id + 1, "app-owner").to_api(),
            "team": None,
            "bot": self.bot.to_api(),
            "rpc_origins": [],
            "redirect_uris": [],
            "interactions_endpoint_url": None,  # else discord.py warns that interactions go elsewhere
            "approximate_guild_count": sum(1 for guild in self._guilds.values() if guild.bot_joined),
            "integration_types_config": {"0": {}},
            "tags": [],
        }

    def _application_flags(self) -> int:
        """GATEWAY_*_LIMITED flags for the privileged intents the app has been granted."""
        flags = 0
        for intent, flag in (
            (Intent.GUILD_PRESENCES, 1 << 13),
            (Intent.GUILD_MEMBERS, 1 << 15),
            (Intent.MESSAGE_CONTENT, 1 << 19),
        ):
            if self.privileged_intents & intent:
                flags |= flag
        return flags

    async def _rest_get_gateway(self, request: _Request) -> JSON:
        return {"url": self.gateway_url}

    async def _rest_get_gateway_bot(self, request: _Request) -> JSON:
        limit = {
            "total": 1000,
            "remaining": 1000 - self.identify_count,
            "reset_after": 86_400_000,
            "max_concurrency": 1,
        }
        return {"url": self.gateway_url, "shards": 1, "session_start_limit": limit}

    async def _rest_get_commands(self, request: _Request) -> list[JSON]:
        guild_id = self._command_scope(request)
        return self.commands(guild_id)

    async def _rest_put_commands(self, request: _Request) -> list[JSON]:
        guild_id = self._command_scope(request)
        return self.set_commands(request.payload, guild_id)

    def _command_scope(self, request: _Request) -> int | None:
        if request.params["application_id"] != str(self.application_id):
            raise missing_access()
        if "guild_id" not in request.params:
            return None
        guild = self._guilds.get(_snowflake_param(request.params["guild_id"]))
        if guild is None or not guild.bot_joined:
            raise missing_access()  # no applications.commands scope there
        return guild.id

    def _stored_command(
        self, command: JSON, old: Mapping[tuple[int, str], JSON], guild_id: int | None
    ) -> JSON:
        kind = command.get("type", 1)
        previous = old.get((kind, command["name"]))
        permissions = command.get("default_member_permissions")
        stored: JSON = {
            "id": previous["id"] if previous else str(self._snowflake()),
            "application_id": str(self.application_id),
            "version": str(self._snowflake()),
            "type": kind,
            "name": command["name"],
            "name_localizations": command.get("name_localizations"),
            "description": command.get("description") or "",
            "description_localizations": command.get("description_localizations"),
            "default_member_permissions": None if permissions is None else str(permissions),
            "nsfw": bool(command.get("nsfw", False)),
            "contexts": command.get("contexts"),
            "integration_types": command.get("integration_types") or [0],
        }
        if command.get("options"):
            stored["options"] = copy.deepcopy(command["options"])
        if guild_id is None:
            stored["dm_permission"] = command.get("dm_permission", True)
        else:
            stored["guild_id"] = str(guild_id)
        return stored

    # REST: interactions and their webhooks

    async def _rest_interaction_callback(self, request: _Request) -> JSON | None:
        interaction = self._interactions.get(_snowflake_param(request.params["webhook_id"]))
        if interaction is None or interaction.token != request.params["webhook_token"]:
            raise unknown("interaction")
        interaction.callbacks += 1
        if interaction.responded:
            raise DiscordError(400, 40060, "Interaction has already been acknowledged.")
        if time.monotonic() - interaction.created_at > self.interaction_deadline:
            raise unknown("interaction")
        body = _object(request.payload)
        kind = body.get("type")
        data = body.get("data") if isinstance(body.get("data"), dict) else {}
        self._check_callback_type(interaction, kind)
        resource = self._respond(interaction, int(kind), data, request.files)
        interaction.response_type, interaction.response_data = int(kind), copy.deepcopy(data)
        interaction.responded_at = time.monotonic()
        if not _truthy(request.query.get("with_response")):
            return None
        return self._callback_response(interaction, int(kind), resource)

    def _check_callback_type(self, interaction: FakeInteraction, kind: Any) -> None:
        allowed = {
            InteractionType.PING: {Callback.PONG},
            InteractionType.APPLICATION_COMMAND: {4, 5, 9},
            InteractionType.MESSAGE_COMPONENT: {4, 5, 6, 7, 9},
            InteractionType.AUTOCOMPLETE: {Callback.AUTOCOMPLETE_RESULT},
            InteractionType.MODAL_SUBMIT: {4, 5, 6, 7} if interaction.source_message else {4, 5},
        }[InteractionType(interaction.type)]
        errors = FormErrors()
        errors.choice(("type",), kind, {int(choice) for choice in allowed})
        errors.raise_if_any()

    def _respond(
        self, interaction: FakeInteraction, kind: int, data: JSON, files: list[UploadedFile]
    ) -> StoredMessage | None:
        """Carry out an initial response; returns the message it created or changed, if any."""
        if kind == Callback.CHANNEL_MESSAGE_WITH_SOURCE:
            check_message(data, files=len(files), interaction=True)
            interaction.message = self._interaction_message(interaction, data, files)
        elif kind == Callback.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE:
            flags = MessageFlag.LOADING | ((data.get("flags") or 0) & MessageFlag.EPHEMERAL)
            interaction.message = self._interaction_message(interaction, {"flags": int(flags)}, [])
        elif kind == Callback.DEFERRED_UPDATE_MESSAGE:
            interaction.message = interaction.source_message
        elif kind == Callback.UPDATE_MESSAGE:
            check_message(data, files=len(files), interaction=True, edit=True)
            interaction.message = interaction.source_message
            if interaction.message is not None:
                self._edit(interaction.message, data, files)
        elif kind == Callback.MODAL:
            check_modal(data)
            interaction.modal = copy.deepcopy(data)
        return interaction.message

    def _callback_response(
        self, interaction: FakeInteraction, kind: int, message: StoredMessage | None
    ) -> JSON:
        """The InteractionCallbackResponse `?with_response=true` asks for (discord.py 2.5+ always does)."""
        described: JSON = {"id": str(interaction.id), "type": interaction.type}
        resource: JSON = {"type": kind}
        if message is not None and kind != Callback.MODAL:
            described |= {
                "response_message_id": str(message.id),
                "response_message_loading": message.loading,
                "response_message_ephemeral": message.ephemeral,
            }
            if kind in (
                Callback.CHANNEL_MESSAGE_WITH_SOURCE,
                Callback.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE,
                Callback.UPDATE_MESSAGE,
            ):
                resource["message"] = message.to_api(self.url)
        return {"interaction": described, "resource": resource}

    def _interaction_message(
        self, interaction: FakeInteraction, data: JSON, files: list[UploadedFile]
    ) -> StoredMessage:
        channel = self.channel(interaction.channel_id)
        user = self._users[interaction.user_id].to_api()
        command = interaction.payload["data"]
        message = StoredMessage(
            self._snowflake(),
            channel.id,
            channel.guild_id,
            self.bot.to_api(),
            type=_message_type(interaction),
            webhook_id=self.application_id,
            interaction_metadata={
                "id": str(interaction.id),
                "type": interaction.type,
                "user": user,
                "authorizing_integration_owners": interaction.payload["authorizing_integration_owners"],
            }
            | ({"name": command["name"]} if interaction.type == InteractionType.APPLICATION_COMMAND else {}),
        )
        self._fill(message, data, files)
        self._store_message(channel, message)
        return message

    def _webhook_interaction(self, request: _Request) -> FakeInteraction:
        """The interaction behind an interaction webhook: the token is the credential, valid 15 minutes."""
        if request.params["webhook_id"] != str(self.application_id):
            raise unknown("webhook")
        interaction = self._by_token.get(request.params["webhook_token"])
        if interaction is None or time.monotonic() - interaction.created_at > self.token_lifetime:
            raise DiscordError(401, 50027, "Invalid Webhook Token")
        return interaction

    def _interaction_message_by_id(self, interaction: FakeInteraction, message_id: str) -> StoredMessage:
        if message_id == "@original":
            message = interaction.message
        else:
            wanted = _snowflake_param(message_id)
            candidates = [interaction.message, *interaction.followups]
            message = next((m for m in candidates if m is not None and m.id == wanted), None)
        if message is None or message.deleted:
            raise unknown("message")
        return message

    async def _rest_execute_webhook(self, request: _Request) -> JSON | None:
        """A followup. The first one after a deferred channel message fills the "thinking" message."""
        interaction = self._webhook_interaction(request)
        if not interaction.responded or interaction.response_type == Callback.MODAL:
            raise unknown("webhook")  # nothing to follow up yet
        data = _object(request.payload)
        check_message(data, files=len(request.files), interaction=True)
        original = interaction.message
        if original is not None and original.loading and not original.deleted:
            data = {key: value for key, value in data.items() if key != "flags"}
            self._edit(original, data, request.files)
            original.flags &= ~MessageFlag.LOADING
            message = original
        else:
            message = self._interaction_message(interaction, data, request.files)
        interaction.followups.append(message)
        return message.to_api(self.url) if _truthy(request.query.get("wait")) else None

    async def _rest_get_webhook_message(self, request: _Request) -> JSON:
        interaction = self._webhook_interaction(request)
        return self._interaction_message_by_id(interaction, request.params["message_id"]).to_api(self.url)

    async def _rest_edit_webhook_message(self, request: _Request) -> JSON:
        interaction = self._webhook_interaction(request)
        message = self._interaction_message_by_id(interaction, request.params["message_id"])
        data = _object(request.payload)
        check_message(data, files=len(request.files), interaction=True, edit=True)
        self._edit(message, {key: value for key, value in data.items() if key != "flags"}, request.files)
        message.flags &= ~MessageFlag.LOADING
        return message.to_api(self.url)

    async def _rest_delete_webhook_message(self, request: _Request) -> None:
        interaction = self._webhook_interaction(request)
        message = self._interaction_message_by_id(interaction, request.params["message_id"])
        self._delete(message)

    # REST: channels and messages

    def _visible_channel(self, channel_id: str) -> FakeChannel:
        """The channel, if the bot can see it: 10003 if there is none, 50001 if the bot cannot view it."""
        channel = self._channels.get(_snowflake_param(channel_id))
        if channel is None:
            raise unknown("channel")
        if channel.is_dm:
            return channel
        guild = self._guilds.get(channel.guild_id or 0)
        if guild is None or not guild.bot_joined:
            raise missing_access()
        if not self.permissions(self.bot.id, channel.id) & Permission.VIEW_CHANNEL:
            raise missing_access()
        return channel

    def _require(self, channel: FakeChannel, *needed: int) -> None:
        if channel.is_dm:
            return
        held = self.permissions(self.bot.id, channel.id)
        if any(not held & permission for permission in needed):
            raise missing_permissions()

    def _require_send(self, channel: FakeChannel, payload: JSON, files: int) -> None:
        if channel.is_dm:
            recipient = self._users.get(channel.recipient_id or 0)
            if recipient is None or not recipient.dms_open:
                raise DiscordError(403, 50007, "Cannot send messages to this user")
            return
        send = Permission.SEND_MESSAGES_IN_THREADS if channel.is_thread else Permission.SEND_MESSAGES
        self._require(channel, send)
        if payload.get("embeds"):
            self._require(channel, Permission.EMBED_LINKS)
        if files:
            self._require(channel, Permission.ATTACH_FILES)
        if channel.is_thread and channel.locked:
            raise DiscordError(400, 50083, "Thread is archived")

    async def _rest_get_channel(self, request: _Request) -> JSON:
        return self._channel_api(self._visible_channel(request.params["channel_id"]))

    async def _rest_create_message(self, request: _Request) -> JSON:
        channel = self._visible_channel(request.params["channel_id"])
        payload = _object(request.payload)
        check_message(payload, files=len(request.files))
        self._require_send(channel, payload, len(request.files))
        nonce = payload.get("nonce")
        if payload.get("enforce_nonce") and nonce is not None and (channel.id, str(nonce)) in self._nonces:
            return self._messages[channel.id][self._nonces[(channel.id, str(nonce))]].to_api(self.url)
        message = StoredMessage(
            self._snowflake(), channel.id, channel.guild_id, self.bot.to_api(), nonce=nonce
        )
        message.message_reference = payload.get("message_reference")
        if message.message_reference:
            message.type = 19  # REPLY
        self._fill(message, payload, request.files)
        self._store_message(channel, message)
        if nonce is not None:
            self._nonces[(channel.id, str(nonce))] = message.id
        return message.to_api(self.url)

    async def _rest_get_message(self, request: _Request) -> JSON:
        channel = self._visible_channel(request.params["channel_id"])
        if (
            not channel.is_dm
            and not self.permissions(self.bot.id, channel.id) & Permission.READ_MESSAGE_HISTORY
        ):
            raise missing_access()
        return self._channel_message(channel, request.params["message_id"]).to_api(self.url)

    async def _rest_edit_message(self, request: _Request) -> JSON:
        channel = self._visible_channel(request.params["channel_id"])
        message = self._channel_message(channel, request.params["message_id"])
        if message.author["id"] != str(self.bot.id):
            raise DiscordError(403, 50005, "Cannot edit a message authored by another user")
        payload = _object(request.payload)
        check_message(payload, files=len(request.files), edit=True)
        if payload.get("embeds"):
            self._require(channel, Permission.EMBED_LINKS)
        if request.files:
            self._require(channel, Permission.ATTACH_FILES)
        self._edit(message, payload, request.files)
        return message.to_api(self.url)

    async def _rest_delete_message(self, request: _Request) -> None:
        channel = self._visible_channel(request.params["channel_id"])
        message = self._channel_message(channel, request.params["message_id"])
        if message.author["id"] != str(self.bot.id):
            self._require(channel, Permission.MANAGE_MESSAGES)
        self._delete(message)

    async def _rest_trigger_typing(self, request: _Request) -> None:
        channel = self._visible_channel(request.params["channel_id"])
        self._require_send(channel, {}, 0)

    def _channel_message(self, channel: FakeChannel, message_id: str) -> StoredMessage:
        message = self._messages.get(channel.id, {}).get(_snowflake_param(message_id))
        if message is None or message.deleted or message.ephemeral:
            raise unknown("message")
        return message

    async def _rest_start_thread_from_message(self, request: _Request) -> JSON:
        channel = self._visible_channel(request.params["channel_id"])
        message = self._channel_message(channel, request.params["message_id"])
        if channel.type not in (ChannelType.GUILD_TEXT, ChannelType.GUILD_ANNOUNCEMENT):
            raise DiscordError(400, 50024, "Cannot execute action on this channel type")
        payload = self._thread_payload(request.payload)
        self._require(channel, Permission.CREATE_PUBLIC_THREADS)
        if message.thread_id is not None:
            raise DiscordError(400, 160004, "A thread has already been created for this message")
        kind = (
            ChannelType.ANNOUNCEMENT_THREAD
            if channel.type == ChannelType.GUILD_ANNOUNCEMENT
            else ChannelType.PUBLIC_THREAD
        )
        thread = self._new_thread(channel, payload, kind, thread_id=message.id)
        message.thread_id = thread.id
        message.flags |= MessageFlag.HAS_THREAD
        return self._channel_api(thread)

    async def _rest_start_thread(self, request: _Request) -> JSON:
        channel = self._visible_channel(request.params["channel_id"])
        if channel.type not in (ChannelType.GUILD_TEXT, ChannelType.GUILD_ANNOUNCEMENT):
            raise DiscordError(400, 50024, "Cannot execute action on this channel type")
        payload = self._thread_payload(request.payload)
        kind = payload.get("type") or ChannelType.PRIVATE_THREAD
        errors = FormErrors()
        errors.choice(("type",), kind, THREAD_TYPES)
        errors.raise_if_any()
        needed = (
            Permission.CREATE_PRIVATE_THREADS
            if kind == ChannelType.PRIVATE_THREAD
            else Permission.CREATE_PUBLIC_THREADS
        )
        self._require(channel, needed)
        return self._channel_api(self._new_thread(channel, payload, kind))

    def _thread_payload(self, payload: Any) -> JSON:
        payload = payload if isinstance(payload, dict) else {}
        errors = FormErrors()
        errors.text(("name",), payload.get("name"), THREAD_NAME, low=1, required=True)
        duration = payload.get("auto_archive_duration")
        if duration is not None:
            errors.choice(("auto_archive_duration",), duration, ARCHIVE_DURATIONS)
        errors.raise_if_any()
        return payload

    def _new_thread(
        self, parent: FakeChannel, payload: JSON, kind: int, thread_id: int | None = None
    ) -> FakeChannel:
        thread = FakeChannel(
            thread_id or self._snowflake(),
            int(kind),
            payload["name"],
            parent.guild_id,
            parent_id=parent.id,
            owner_id=self.bot.id,
            auto_archive_duration=payload.get("auto_archive_duration") or 1440,
        )
        guild = self.guild(parent.guild_id or 0)
        self._add_channel(guild, thread)
        event = self._channel_api(thread) | {"newly_created": True}
        self._dispatch("THREAD_CREATE", event, Intent.GUILDS, guild)
        return thread

    def _channel_api(self, channel: FakeChannel) -> JSON:
        data = channel.to_api(self._users.get(channel.recipient_id or 0))
        if channel.is_thread:
            data["member"] = {
                "id": str(channel.id),
                "user_id": str(self.bot.id),
                "join_timestamp": channel.created_at,
                "flags": 0,
            }
        return data

    # REST: guilds, members, DMs

    def _joined_guild(self, guild_id: str) -> FakeGuild:
        guild = self._guilds.get(_snowflake_param(guild_id))
        if guild is None:
            raise unknown("guild")
        if not guild.bot_joined:
            raise missing_access()
        return guild

    async def _rest_get_guild(self, request: _Request) -> JSON:
        guild = self._joined_guild(request.params["guild_id"])
        data = self._guild_api(guild)
        if _truthy(request.query.get("with_counts")):
            data |= {"approximate_member_count": len(guild.members), "approximate_presence_count": 0}
        return data

    async def _rest_get_guild_channels(self, request: _Request) -> list[JSON]:
        guild = self._joined_guild(request.params["guild_id"])
        return [
            self._channel_api(self._channels[cid])
            for cid in guild.channel_ids
            if not self._channels[cid].is_thread
        ]

    async def _rest_get_member(self, request: _Request) -> JSON:
        guild = self._joined_guild(request.params["guild_id"])
        member = guild.members.get(_snowflake_param(request.params["user_id"]))
        if member is None:
            raise unknown("member")
        return member.to_api()

    async def _rest_get_user(self, request: _Request) -> JSON:
        user = self._users.get(_snowflake_param(request.params["user_id"]))
        if user is None:
            raise unknown("user")
        return user.to_api()

    async def _rest_create_dm(self, request: _Request) -> JSON:
        payload = _object(request.payload)
        errors = FormErrors()
        if payload.get("recipient_id") is None:
            errors.add(("recipient_id",), "BASE_TYPE_REQUIRED", "This field is required")
        errors.raise_if_any()
        user_id = _snowflake_param(str(payload["recipient_id"]))
        if user_id not in self._users or user_id == self.bot.id:
            raise unknown("user")
        return self._channel_api(self.dm_channel(user_id))

    # Messages: building, editing, storing

    def _fill(self, message: StoredMessage, payload: JSON, files: list[UploadedFile]) -> None:
        """Set a new message's body from a create payload (content, embeds, components, flags, files)."""
        message.content = payload.get("content") or ""
        message.embeds = copy.deepcopy(payload.get("embeds") or [])
        message.components = _numbered(copy.deepcopy(payload.get("components") or []))
        message.flags |= int(payload.get("flags") or 0)
        message.attachments = self._attachments(payload, files, [], ephemeral=message.ephemeral)

    def _edit(self, message: StoredMessage, payload: JSON, files: list[UploadedFile]) -> None:
        """Apply an edit: only the fields given change; `attachments` lists what stays (and what is new)."""
        if "content" in payload:
            message.content = payload["content"] or ""
        if "embeds" in payload:
            message.embeds = copy.deepcopy(payload["embeds"] or [])
        if "components" in payload:
            message.components = _numbered(copy.deepcopy(payload["components"] or []))
        if "flags" in payload and payload["flags"] is not None:
            kept = message.flags & (MessageFlag.EPHEMERAL | MessageFlag.LOADING | MessageFlag.HAS_THREAD)
            message.flags = kept | (int(payload["flags"]) & ~MessageFlag.EPHEMERAL)
        if "attachments" in payload or files:
            keep = (
                message.attachments
                if "attachments" not in payload
                else [
                    a
                    for a in message.attachments
                    if str(a.id) in {str(e.get("id")) for e in payload["attachments"] or []}
                ]
            )
            message.attachments = self._attachments(payload, files, keep, ephemeral=message.ephemeral)
        message.edited_at = _iso()
        message.edits += 1
        self._message_event("MESSAGE_UPDATE", message)
        self._changed()

    def _attachments(
        self, payload: JSON, files: list[UploadedFile], keep: list[StoredAttachment], *, ephemeral: bool
    ) -> list[StoredAttachment]:
        described = {}
        for entry in payload.get("attachments") or []:
            if isinstance(entry, dict) and str(entry.get("id", "")).isdigit():
                described[int(entry["id"])] = entry
        result = list(keep)
        for position, upload in enumerate(files):
            if len(upload.content) > ATTACHMENT_SIZE_LIMIT:
                raise DiscordError(413, 40005, "Request entity too large")
            index = _file_index(upload)
            entry = described.get(index if index is not None else position, {})
            filename = entry.get("filename") or upload.filename or "unknown"
            result.append(
                StoredAttachment(
                    self._snowflake(),
                    filename,
                    upload.content_type,
                    upload.content,
                    entry.get("description"),
                    ephemeral,
                )
            )
        return result

    def _store_message(self, channel: FakeChannel, message: StoredMessage) -> None:
        self._messages.setdefault(channel.id, {})[message.id] = message
        if not message.ephemeral:
            channel.last_message_id = message.id
            channel.message_count += 1
            self._message_event("MESSAGE_CREATE", message)
        self._changed()

    def _delete(self, message: StoredMessage) -> None:
        message.deleted = True
        if not message.ephemeral:
            data = {"id": str(message.id), "channel_id": str(message.channel_id)}
            if message.guild_id is not None:
                data["guild_id"] = str(message.guild_id)
            self._dispatch(
                "MESSAGE_DELETE", data, _message_intent(message), self._guilds.get(message.guild_id or 0)
            )
        self._changed()

    def _message_event(self, event: str, message: StoredMessage) -> None:
        if message.ephemeral:
            return
        data = message.to_api(self.url)
        guild = self._guilds.get(message.guild_id or 0)
        if guild is not None and (member := guild.members.get(int(message.author["id"]))):
            data["member"] = {key: value for key, value in member.to_api().items() if key != "user"}
        self._dispatch(event, data, _message_intent(message), guild)

    def _add_channel(self, guild: FakeGuild, channel: FakeChannel) -> None:
        self._channels[channel.id] = channel
        guild.channel_ids.append(channel.id)

    def _permission_channel(self, channel: FakeChannel) -> FakeChannel:
        return self._channels[channel.parent_id] if channel.is_thread and channel.parent_id else channel

    def _snowflake(self) -> int:
        """Snowflakes like Discord's: milliseconds since 2015 in the high bits, so ids sort by time."""
        candidate = (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22
        self._last_id = max(self._last_id + 1, candidate)
        return self._last_id

    # Gateway

    def _in_shard(self, session: _Session, guild_id: int) -> bool:
        shard_id, shard_count = session.shard
        return (guild_id >> 22) % shard_count == shard_id

    def _dispatch(self, event: str, data: JSON, intent: int | None, guild: FakeGuild | None) -> None:
        """Send a DISPATCH to the current session if its intents (and, for a guild, its shard and
        membership) let it see the event; buffered for RESUME while the bot is disconnected."""
        session = self._session
        if session is None or not session.valid:
            return
        if intent is not None and not session.intents & intent:
            return
        if guild is not None and (not guild.bot_joined or not self._in_shard(session, guild.id)):
            return
        payload = session.record(event, copy.deepcopy(data))
        if session.connection is not None:
            session.connection.send(payload)
        self._changed()

    async def _drain(self) -> None:
        if self._session is not None and self._session.connection is not None:
            await self._session.connection.drain()

    async def _handle_gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=4096 * 1024)
        await ws.prepare(request)
        self.gateway_queries.append(dict(request.query))
        problem, compress = self._gateway_query(request.query)
        connection = _Connection(ws, compress)
        self._connections.add(connection)
        connection.start()
        try:
            if problem is not None:
                await connection.close(*problem)
                return ws
            await self._gateway_open.wait()
            hello = {
                "heartbeat_interval": round(self.heartbeat_interval * 1000),
                "_trace": ["fake-discord-gateway"],
            }
            connection.send({"op": 10, "d": hello})
            async for frame in ws:
                if frame.type == WSMsgType.TEXT:
                    await self._on_gateway_text(connection, frame.data)
                elif frame.type == WSMsgType.BINARY:
                    await connection.close(4002, "Error while decoding payload.")
        finally:
            session = connection.session
            if session is not None and session.connection is connection:
                session.connection = None
            await connection.stop()
            self._connections.discard(connection)
            self._changed()
        return ws

    def _gateway_query(
        self, query: Mapping[str, str]
    ) -> tuple[tuple[int, str] | None, Callable[[bytes], bytes] | None]:
        """Check ?v=&encoding=&compress=; returns the close to give (if any) and the compressor."""
        if query.get("v", "10") not in GATEWAY_VERSIONS:
            return (4012, "Invalid API version."), None
        if query.get("encoding", "json") != "json":
            return (4002, "Error while decoding payload: only json encoding is faked."), None
        mode = query.get("compress")
        if mode is None:
            return None, None
        if mode == "zlib-stream":
            return None, _zlib_compressor()
        if mode == "zstd-stream" and (zstd := _zstd_compressor()) is not None:
            return None, zstd
        return (4000, f"Unknown error: compression {mode!r} is not supported by the fake."), None

    async def _on_gateway_text(self, connection: _Connection, text: str) -> None:
        try:
            message = json.loads(text)
            op, data = message["op"], message.get("d")
        except (ValueError, KeyError, TypeError):
            await connection.close(4002, "Error while decoding payload.")
            return
        self.gateway_log.append(GatewayFrame(op, _redact_token(op, data)))
        self._changed()
        if op == 1:
            connection.send({"op": 11})
        elif op == 2:
            await self._identify(connection, data)
        elif op == 6:
            await self._resume(connection, data)
        elif connection.session is None:
            await connection.close(4003, "Not authenticated.")
        elif op == 3:
            self.presence_updates.append(data)
        elif op == 8:
            self._request_members(connection, data)
        elif op != 4:
            await connection.close(4001, "Unknown opcode.")

    async def _identify(self, connection: _Connection, data: Any) -> None:
        data = data if isinstance(data, dict) else {}
        if data.get("token") != self.token:
            await connection.close(4004, "Authentication failed.")
            return
        if connection.session is not None:
            await connection.close(4005, "Already authenticated.")
            return
        intents = data.get("intents")
        if not isinstance(intents, int) or intents < 0:
            await connection.close(4013, "Invalid intent(s).")
            return
        if intents & PRIVILEGED_INTENTS & ~self.privileged_intents:
            await connection.close(4014, "Disallowed intent(s).")
            return
        shard = data.get("shard") or [0, 1]
        if len(shard) != 2 or not 0 <= shard[0] < shard[1]:
            await connection.close(4010, "Invalid shard.")
            return
        self._start_session(connection, intents, (shard[0], shard[1]), "shard" in data)

    def _start_session(
        self, connection: _Connection, intents: int, shard: tuple[int, int], with_shard: bool
    ) -> None:
        self.identify_count += 1
        session = _Session(secrets.token_hex(16), intents, shard, connection=connection)
        self._sessions[session.id] = session
        self._session = connection.session = session
        guilds = [g for g in self._guilds.values() if g.bot_joined and self._in_shard(session, g.id)]
        ready: JSON = {
            "v": 10,
            "user": self.bot.to_api() | {"verified": True, "mfa_enabled": False, "flags": 0, "email": None},
            "guilds": [{"id": str(guild.id), "unavailable": True} for guild in guilds],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(self.application_id), "flags": self._application_flags()},
            "user_settings": {},
            "relationships": [],
            "private_channels": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "_trace": ["fake-discord-gateway"],
        }
        if with_shard:
            ready["shard"] = list(shard)
        connection.send(session.record("READY", ready))
        for guild in guilds:
            self._dispatch("GUILD_CREATE", self._guild_create(guild, session), Intent.GUILDS, None)

    async def _resume(self, connection: _Connection, data: Any) -> None:
        data = data if isinstance(data, dict) else {}
        if data.get("token") != self.token:
            await connection.close(4004, "Authentication failed.")
            return
        session = self._sessions.get(str(data.get("session_id")))
        seq = data.get("seq")
        missed = (
            session.missed(seq) if session is not None and session.valid and isinstance(seq, int) else None
        )
        if session is None or missed is None:
            connection.send({"op": 9, "d": False})
            return
        self.resume_count += 1
        if session.connection is not None and session.connection is not connection:
            await session.connection.close(4000, "Session resumed elsewhere.")
        session.connection = connection
        connection.session = session
        self._session = session
        for payload in missed:
            connection.send(payload)
        connection.send(
            {"op": 0, "t": "RESUMED", "s": session.seq, "d": {"_trace": ["fake-discord-gateway"]}}
        )

    def _request_members(self, connection: _Connection, data: Any) -> None:
        """Op 8: every member of the guild(s) in one GUILD_MEMBERS_CHUNK each."""
        data = data if isinstance(data, dict) else {}
        wanted = data.get("guild_id")
        for guild_id in wanted if isinstance(wanted, list) else [wanted]:
            guild = self._guilds.get(_snowflake_param(str(guild_id)))
            if guild is None or not guild.bot_joined:
                continue
            members = [m.to_api() for m in guild.members.values()]
            if data.get("user_ids"):
                ids = {str(user_id) for user_id in data["user_ids"]}
                members = [m for m in members if m["user"]["id"] in ids]
            chunk = {
                "guild_id": str(guild.id),
                "members": members,
                "chunk_index": 0,
                "chunk_count": 1,
                "not_found": [],
            }
            if data.get("nonce") is not None:
                chunk["nonce"] = data["nonce"]
            self._dispatch("GUILD_MEMBERS_CHUNK", chunk, None, guild)

    def _guild_api(self, guild: FakeGuild) -> JSON:
        return {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(guild.owner_id),
            "roles": [role.to_api() for role in guild.roles.values()],
            "emojis": [],
            "stickers": [],
            "features": [],
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_progress_bar_enabled": False,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "afk_channel_id": None,
            "afk_timeout": 300,
            "vanity_url_code": None,
            "application_id": None,
            "preferred_locale": guild.preferred_locale,
            "max_members": 500_000,
        }

    def _guild_create(self, guild: FakeGuild, session: _Session) -> JSON:
        """GUILD_CREATE: the guild with its channels, active threads and (GUILD_MEMBERS intent) members;
        without that intent, only the bot's own member, as Discord does."""
        members = list(guild.members.values())
        if not session.intents & Intent.GUILD_MEMBERS:
            members = [member for member in members if member.user.id == self.bot.id]
        channels = [self._channels[cid] for cid in guild.channel_ids]
        return self._guild_api(guild) | {
            "joined_at": guild.members[self.bot.id].joined_at,
            "large": len(guild.members) >= 250,
            "unavailable": False,
            "member_count": len(guild.members),
            "members": [member.to_api() for member in members],
            "channels": [c.to_api() for c in channels if not c.is_thread],
            "threads": [self._channel_api(c) for c in channels if c.is_thread and not c.archived],
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }


def _bucket_headers(bucket: str, limit: int, remaining: int, reset_after: float) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": str(max(remaining, 0)),
        "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
        "X-RateLimit-Reset-After": f"{reset_after:.3f}",
        "X-RateLimit-Bucket": bucket,
    }


def _redacted(params: Mapping[str, str]) -> dict[str, str]:
    return {key: REDACTED if key.endswith("token") else value for key, value in params.items()}


def _snowflake_param(value: str) -> int:
    """A snowflake in a path or body; Discord answers 50035 for one that is not a number."""
    if not value.isdigit():
        raise DiscordError(
            400,
            50035,
            "Invalid Form Body",
            {
                "id": {
                    "_errors": [
                        {"code": "NUMBER_TYPE_COERCE", "message": f'Value "{value}" is not snowflake.'}
                    ]
                }
            },
        )
    return int(value)


def _message_type(interaction: FakeInteraction) -> int:
    """20 CHAT_INPUT_COMMAND, 23 CONTEXT_MENU_COMMAND, otherwise 0 DEFAULT (components, modals)."""
    if interaction.type != InteractionType.APPLICATION_COMMAND:
        return 0
    return 20 if interaction.payload["data"].get("type", 1) == 1 else 23


def _message_intent(message: StoredMessage) -> int:
    return Intent.DIRECT_MESSAGES if message.guild_id is None else Intent.GUILD_MESSAGES


def _numbered(components: list[JSON]) -> list[JSON]:
    """Discord numbers every component of a message (`id`) when the bot does not."""
    counter = itertools.count(1)
    for component in _walk_components(components):
        component.setdefault("id", next(counter))
    return components


def _submitted(component: JSON, values: Mapping[str, str | Sequence[str]]) -> JSON:
    """A modal component as the submit interaction reports it: same layout, inputs with their values."""
    kind = component.get("type")
    submitted: JSON = {"type": kind, "id": component.get("id", 0)}
    if kind == ACTION_ROW:
        submitted["components"] = [_submitted(child, values) for child in component["components"]]
    elif kind == LABEL:
        submitted["component"] = _submitted(component["component"], values)
    elif kind == TEXT_INPUT:
        submitted |= {"custom_id": component["custom_id"], "value": values.get(component["custom_id"]) or ""}
    elif kind in SELECT_TYPES:
        submitted |= {
            "custom_id": component["custom_id"],
            "values": list(values.get(component["custom_id"]) or []),
        }
    return submitted


def _check_submitted_value(custom_id: str, component: JSON, value: str | Sequence[str] | None) -> None:
    """What Discord's client enforces before it lets the user submit."""
    if component.get("type") in SELECT_TYPES:
        chosen = list(value or [])
        low, high = component.get("min_values", 1), component.get("max_values", 1)
        if component.get("required", True) and not low <= len(chosen) <= high:
            raise ValueError(f"select {custom_id!r} takes {low}-{high} values, got {len(chosen)}")
        return
    if component.get("type") != TEXT_INPUT:
        return
    if not isinstance(value, str | None):
        raise ValueError(f"text input {custom_id!r} takes a string")
    if component.get("required", True) and not value:
        raise ValueError(f"text input {custom_id!r} is required")
    low, high = component.get("min_length") or 0, component.get("max_length") or TEXT_INPUT_VALUE
    if value and not low <= len(value) <= high:
        raise ValueError(f"text input {custom_id!r} takes {low}-{high} characters, got {len(value)}")
