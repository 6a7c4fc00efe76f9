"""A local fake of the Telegram Bot API, served over HTTP, for end-to-end tests of the real PTB stack.

Why a server and not a mock: what breaks in a Telegram bot is mostly in the layers a mock skips: how
python-telegram-bot encodes requests, HTML that Telegram refuses, texts too long after parsing, 429s,
file_ids that only work if Telegram issued them, long polling and shutdown. This fake speaks the wire
protocol, so the production `Application` runs unchanged against
`ApplicationBuilder().token(fake.token).base_url(f"{fake.url}/bot").base_file_url(f"{fake.url}/file/bot")`.

What it reproduces, from the Bot API docs, tdlib's HTML parser and PTB 22's request layer:

* Routes `/bot<token>/<method>`, method names case-insensitive. Answers are `{"ok": true, "result": ...}`
  or `{"ok": false, "error_code": N, "description": "...", "parameters": {"retry_after": N}}` with HTTP
  status N. A wrong token gets 401 "Unauthorized", an unknown method 404 "Not Found" (PTB turns both into
  `InvalidToken`, or `EndPointNotFound` in `do_api_request`).
* PTB does not post JSON: it sends `application/x-www-form-urlencoded` with every non-string value
  JSON-encoded and strings raw, or `multipart/form-data` when it uploads a file (the file is the part
  named like the parameter, e.g. `audio`, or `attach://<name>`). Both are decoded, as are JSON bodies
  and query strings, so other clients work too.
* Texts and captions are measured after entity parsing and trimming, in UTF-16 code units like Telegram:
  1-4096 for a message, at most 1024 for a caption. parse_mode HTML follows tdlib's `parse_html` (same
  tags, same character references, same error messages); Markdown and MarkdownV2 are accepted unparsed.
* getUpdates long-polls: it answers as soon as an update is pushed, or `[]` after `timeout` seconds. It
  confirms updates by `offset`, honours `limit` and `allowed_updates`, and answers 409 to an older poll
  when a newer one arrives, like Telegram. A poll whose client hangs up is cancelled (recorded as 499);
  stopping the server answers pending polls at once, so nothing hangs on shutdown.
* Uploads get a new file_id (the file_unique_id depends on the bytes, as on Telegram); a file_id is
  accepted only if this server issued it, a photo's only by sendPhoto and only a photo's by sendPhoto.
* Photos must be PNG or JPEG that a decoder would accept (a PNG's chunks and pixel data are checked, a
  JPEG's headers up to its first scan), within Telegram's limits: 10 MB, width + height <= 10000, sides
  at most 20:1. The message lists its PhotoSizes like Telegram, smallest first: a thumbnail (unless the
  photo fits in 90x90), then the size uploaded.
* Polls can be answered by users (`answer_poll`): a non-anonymous poll yields a `poll_answer` update and
  its counts change; a quiz answer is final; `stopPoll` closes a poll for good.
* Webhooks: after setWebhook the pending updates are POSTed to its URL as JSON with the
  `X-Telegram-Bot-Api-Secret-Token` header, at most `max_connections` at once, each until the bot
  answers 2xx (again `webhook_retry_delay` seconds after anything else; getWebhookInfo shows the last
  error), and getUpdates answers 409 until deleteWebhook. URLs must be https on port 80, 88, 443 or
  8443, except loopback ones, which may be http on any port; only loopback URLs are delivered to.

Deliberately left out: "chat not found" (any chat id is accepted: positive ids are private chats,
negative ones groups), inline messages, media other than audio/document/voice/photo, sending by URL,
re-encoding photos (every size keeps the uploaded bytes), and the `poll` updates (new poll state) that
Telegram also sends the bot when its polls change.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import json
import logging
import math
import re
import secrets
import socket
import struct
import time
import urllib.parse
import zlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, Self

import aiohttp
from aiohttp import BodyPartReader, hdrs, web

JSON = dict[str, Any]
_LOGGER = logging.getLogger(__name__)

TOKEN = "123456:TEST-TOKEN"
BOT_USERNAME = "BuildSpeakTestBot"
BOT_FIRST_NAME = "BuildSpeak Test"
GROUP_MEMBER_ID = 1001  # who speaks in a group chat when a test does not say
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_ANSWER = 200
POLL_QUESTION, POLL_OPTION, POLL_EXPLANATION, POLL_OPTIONS = 300, 100, 200, (2, 12)
MAX_CALLBACK_DATA = 64  # bytes
MAX_UPLOAD = 50 * 1024 * 1024
MAX_PHOTO = 10 * 1024 * 1024  # tdlib's MAX_PHOTO_SIZE, checked before the image is read
MAX_PHOTO_SIDES, MAX_PHOTO_RATIO = 10000, 20  # width + height, and the longer side over the shorter
THUMBNAIL_BOX = 90  # Telegram's smallest photo size fits in 90x90

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same "
    "as a current content and reply markup of the message"
)
WRONG_FILE = "wrong file identifier/HTTP URL specified"
# tdlib's names for kinds of file, as "can't use file of type Document as Photo" words them
FILE_TYPE_NAMES = {"audio": "Audio", "document": "Document", "voice": "VoiceNote", "photo": "Photo"}
QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"
CONFLICT = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
WEBHOOK_ACTIVE = "Conflict: can't use getUpdates method while webhook is active; " + (
    "use deleteWebhook to delete the webhook first"
)
WEBHOOK_PORTS = frozenset({80, 88, 443, 8443})
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]+")
WEBHOOK_CONNECTIONS = (1, 40, 100)  # max_connections: least, default, most

MEMBER_STATUSES = frozenset({"creator", "administrator", "member", "restricted", "left", "kicked"})
ADMIN_STATUSES = frozenset({"creator", "administrator"})
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
# Update types getUpdates leaves out unless they are asked for by name.
OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
# Form fields PTB sends as raw strings; every other form field is JSON-encoded.
STRING_FIELDS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "title",
        "performer",
        "callback_query_id",
        "url",
        "description",
        "short_description",
        "language_code",
        "action",
        "inline_message_id",
        "business_connection_id",
        "message_effect_id",
        "audio",
        "document",
        "voice",
        "photo",
        "thumbnail",
        "file_id",
        "name",
        "secret_token",
        "ip_address",
    }
)
BUTTON_ACTIONS = (
    "callback_data",
    "url",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "callback_game",
    "pay",
    "web_app",
    "copy_text",
)
COMMAND = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?")
BOT_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")


class ApiError(Exception):
    """A Bot API error answer: raised anywhere while handling a request, it becomes the response."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def body(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


def utf16_len(text: str) -> int:
    """Telegram's unit for lengths and entity offsets: UTF-16 code units, so an emoji counts twice."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _now() -> int:
    return int(time.time())


# --- Formatted text: tdlib's parse_html, then the trimming Telegram does before measuring ---------------

SPACES = " \t\r\n\0\v\f"  # tdlib's is_space; "\0" also stands for the end of the text
HTML_TAGS = frozenset(
    {"a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins"}
    | {"tg-spoiler", "tg-emoji", "span", "pre", "code", "blockquote"}
)
SIMPLE_ENTITIES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
}
NAMED_CHARACTERS = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


@dataclass(frozen=True)
class FormattedText:
    """Text as Telegram stores it: plain text plus entities with UTF-16 offsets."""

    text: str
    entities: list[JSON]


def format_text(source: str, parse_mode: str | None, entities: list[JSON] | None) -> FormattedText:
    """Parse like Telegram (explicit entities win over parse_mode), then trim spaces and newlines."""
    mode = (parse_mode or "").lower()
    if entities:
        text, found = source, [dict(entity) for entity in entities]
    elif mode == "html":
        text, found = _HtmlParser(source).parse()
    elif mode in ("", "markdown", "markdownv2"):
        text, found = source, []
    else:
        raise bad_request("unsupported parse_mode")
    return _trim(text, found)


def _trim(text: str, entities: list[JSON]) -> FormattedText:
    """tdlib's trimming: leading whitespace only up to the first entity, trailing always, entities clipped."""
    first = min((entity["offset"] for entity in entities), default=len(text))
    lead = min(len(text) - len(text.lstrip(" \n")), first)
    text = text[lead:].rstrip(" \n")
    end = utf16_len(text)
    kept = []
    for entity in entities:
        offset = entity["offset"] - lead
        length = min(offset + entity["length"], end) - offset
        if length > 0:
            kept.append({**entity, "offset": offset, "length": length})
    return FormattedText(text, kept)


def _decode_character(source: str, pos: int) -> tuple[str, int] | None:
    """tdlib's decode_html_entity: &lt; &gt; &amp; &quot; and numeric references; others stay text."""
    end = pos + 1
    if source.startswith("#", end):
        end += 1
        hexadecimal = source.startswith("x", end)
        end += hexadecimal
        digits = "0123456789abcdefABCDEF" if hexadecimal else "0123456789"
        start = end
        while end < len(source) and source[end] in digits:
            end += 1
        if end - pos >= 10 or end == start:
            return None
        code = int(source[start:end], 16 if hexadecimal else 10)
        if code == 0 or code >= 0x10FFFF:
            return None
        character = chr(code)
    else:
        start = end
        while end < len(source) and source[end].isascii() and source[end].isalpha():
            end += 1
        if (found := NAMED_CHARACTERS.get(source[start:end])) is None:
            return None
        character = found
    return character, end + source.startswith(";", end)


@dataclass
class _OpenTag:
    name: str
    argument: str
    offset: int  # UTF-16 offset in the parsed text
    start: int  # index into the parsed characters, to read a link's text


def _tag_argument(tag: str, attribute: str, value: str) -> str | None:
    """The one attribute each tag cares about; tdlib ignores all others."""
    if tag == "a" and attribute == "href":
        return value
    if tag == "code" and attribute == "class" and value.startswith("language-"):
        return value.removeprefix("language-")
    if tag == "span" and attribute == "class" and value.startswith("tg-"):
        return value.removeprefix("tg-")
    if tag == "tg-emoji" and attribute == "emoji-id":
        return value
    return None


class _HtmlParser:
    """tdlib's parse_html, the parser behind parse_mode=HTML, ported so that rejections match Telegram's."""

    def __init__(self, source: str) -> None:
        self.src = source
        self.i = 0
        self.out: list[str] = []
        self.utf16 = 0
        self.stack: list[_OpenTag] = []
        self.entities: list[JSON] = []

    def parse(self) -> tuple[str, list[JSON]]:
        while self.i < len(self.src):
            char = self.src[self.i]
            if char == "&" and (decoded := _decode_character(self.src, self.i)):
                self.emit(decoded[0])
                self.i = decoded[1]
            elif char == "<":
                self.tag()
            else:
                self.emit(char)
                self.i += 1
        if self.stack:
            raise self.error(f"Can't find end tag corresponding to start tag {self.stack[-1].name}")
        return self.text(), sorted(self.entities, key=lambda entity: (entity["offset"], -entity["length"]))

    def text(self) -> str:
        text = "".join(self.out)
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise self.error(
                "Text contains invalid Unicode characters after decoding HTML entities, "
                "check for unmatched surrogate code units"
            ) from None
        for entity in self.entities:
            if entity["type"] == "code":
                entity.pop("language", None)
        return text

    def ch(self) -> str:
        return self.src[self.i] if self.i < len(self.src) else "\0"

    def emit(self, char: str) -> None:
        self.out.append(char)
        self.utf16 += 2 if ord(char) > 0xFFFF else 1

    def error(self, message: str) -> ApiError:
        return bad_request(f"can't parse entities: {message}")

    def at(self, index: int) -> str:
        return f"at byte offset {len(self.src[:index].encode('utf-8', 'surrogatepass'))}"

    def skip_spaces(self) -> None:
        while self.ch() != "\0" and self.ch() in SPACES:
            self.i += 1

    def skip_name(self, stops: str = ">") -> None:
        while self.ch() not in SPACES and self.ch() not in stops:
            self.i += 1

    def tag(self) -> None:
        begin = self.i
        self.i += 1
        if self.ch() == "/":
            self.end_tag(begin)
        else:
            self.start_tag(begin)

    def start_tag(self, begin: int) -> None:
        self.skip_name()
        if self.ch() == "\0":
            raise self.error(f"Unclosed start tag {self.at(begin)}")
        name = self.src[begin + 1 : self.i].lower()
        if name not in HTML_TAGS:
            raise self.error(f'Unsupported start tag "{name}" {self.at(begin)}')
        argument = self.attributes(name, begin)
        if name == "span" and argument != "spoiler":
            raise self.error(f'Tag "span" must have class "tg-spoiler" {self.at(begin)}')
        self.stack.append(_OpenTag(name, argument, self.utf16, len(self.out)))
        self.i += 1  # the ">"

    def attributes(self, tag: str, begin: int) -> str:
        argument = ""
        while self.ch() != ">":
            self.skip_spaces()
            if self.ch() == ">":
                break
            start = self.i
            self.skip_name(stops="=>")
            attribute = self.src[start : self.i]
            if not attribute:
                raise self.error(f'Empty attribute name in the tag "{tag}" {self.at(begin)}')
            self.skip_spaces()
            if self.ch() != "=":
                if tag == "blockquote" and attribute.lower() == "expandable":
                    argument = "expandable"
                    continue
                raise self.error(
                    f'Expected equal sign in declaration of an attribute of the tag "{tag}" {self.at(begin)}'
                )
            self.i += 1
            self.skip_spaces()
            if self.ch() == "\0":
                raise self.error(f'Unclosed start tag "{tag}" {self.at(begin)}')
            value = self.attribute_value()
            if self.ch() == "\0":
                raise self.error(f"Unclosed start tag {self.at(begin)}")
            argument = _tag_argument(tag, attribute, value) or argument
        return argument

    def attribute_value(self) -> str:
        quote = self.ch()
        if quote not in ("'", '"'):
            start = self.i
            while self.ch().isascii() and (self.ch().isalnum() or self.ch() in ".-"):
                self.i += 1
            if self.ch() not in SPACES and self.ch() != ">":
                raise self.error(f"Unexpected end of name token {self.at(start)}")
            return self.src[start : self.i].lower()
        self.i += 1
        value: list[str] = []
        while self.ch() not in (quote, "\0"):
            if self.ch() == "&" and (decoded := _decode_character(self.src, self.i)):
                value.append(decoded[0])
                self.i = decoded[1]
            else:
                value.append(self.ch())
                self.i += 1
        if self.ch() == quote:
            self.i += 1
        return "".join(value)

    def end_tag(self, begin: int) -> None:
        if not self.stack:
            raise self.error(f"Unexpected end tag {self.at(begin)}")
        self.skip_name()
        name = self.src[begin + 2 : self.i].lower()
        self.skip_spaces()
        if self.ch() != ">":
            raise self.error(f"Unclosed end tag {self.at(begin)}")
        self.i += 1
        opened = self.stack[-1]
        if name and name != opened.name:
            raise self.error(
                f'Unmatched end tag {self.at(begin)}, expected "</{opened.name}>", found "</{name}>"'
            )
        self.stack.pop()
        if self.utf16 > opened.offset:
            self.close(opened, {"offset": opened.offset, "length": self.utf16 - opened.offset})

    def close(self, tag: _OpenTag, span: JSON) -> None:
        if tag.name == "blockquote" and tag.argument == "expandable":
            self.entities.append({"type": "expandable_blockquote", **span})
        elif tag.name in SIMPLE_ENTITIES:
            self.entities.append({"type": SIMPLE_ENTITIES[tag.name], **span})
        elif tag.name == "tg-emoji":
            if not tag.argument.isdigit() or int(tag.argument) == 0:
                raise self.error("Invalid custom emoji identifier specified")
            self.entities.append({"type": "custom_emoji", **span, "custom_emoji_id": tag.argument})
        elif tag.name == "a":
            self.close_link(tag, span)
        elif tag.name == "pre":
            self.close_pre(span)
        else:
            self.close_code(tag, span)

    def close_link(self, tag: _OpenTag, span: JSON) -> None:
        url = tag.argument or "".join(self.out[tag.start :])
        if mention := re.fullmatch(r"tg://user\?id=(\d+)", url):
            user = {"id": int(mention[1]), "is_bot": False, "first_name": "User"}
            self.entities.append({"type": "text_mention", **span, "user": user})
        elif _valid_button_url(url):  # tdlib drops links it cannot check, keeping the text
            self.entities.append({"type": "text_link", **span, "url": url})

    def close_pre(self, span: JSON) -> None:
        last = self.entities[-1] if self.entities else {}
        if last.get("type") == "code" and last.get("language") and _same_span(last, span):
            last["type"] = "pre"
        else:
            self.entities.append({"type": "pre", **span})

    def close_code(self, tag: _OpenTag, span: JSON) -> None:
        last = self.entities[-1] if self.entities else {}
        if last.get("type") == "pre" and tag.argument and _same_span(last, span):
            last["language"] = tag.argument
        else:
            self.entities.append(
                {"type": "code", **span, **({"language": tag.argument} if tag.argument else {})}
            )


def _same_span(entity: JSON, span: JSON) -> bool:
    return entity["offset"] == span["offset"] and entity["length"] == span["length"]


# --- Reply markup -------------------------------------------------------------------------------------


def check_markup(markup: Any, *, private: bool = True) -> JSON | None:
    """Reject the inline keyboards Telegram rejects, so a bad button fails here and not in production.
    `private`: the keyboard goes to a private chat (the only place a Web App button is allowed)."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    rows = markup.get("inline_keyboard")
    if rows is None:
        return markup
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays')
    for row in rows:
        for button in row:
            _check_button(button, private=private)
    return markup


def _check_button(button: Any, *, private: bool) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad_request('can\'t parse inline keyboard button: Field "text" must be of type String')
    if not any(action in button for action in BUTTON_ACTIONS):
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    data = button.get("callback_data")
    if data is not None and not 1 <= len(str(data).encode("utf-8")) <= MAX_CALLBACK_DATA:
        raise bad_request("BUTTON_DATA_INVALID")
    url = button.get("url")
    if url is not None and not _valid_button_url(str(url)):
        raise bad_request(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")
    if "web_app" in button:
        _check_web_app(button["web_app"], private=private)


def _check_web_app(web_app: Any, *, private: bool) -> None:
    """A Mini App button: only in a private chat with the bot, and only to an HTTPS address."""
    if not private:
        raise bad_request("BUTTON_TYPE_INVALID")
    url = web_app.get("url") if isinstance(web_app, dict) else None
    if not isinstance(url, str):
        raise bad_request('can\'t parse inline keyboard button: Field "url" must be of type String')
    if not url.lower().startswith("https://") or not _valid_button_url(url):
        raise bad_request(
            f"inline keyboard button Web App URL '{url}' is invalid: Only HTTPS links are allowed"
        )


def _valid_button_url(url: str) -> bool:
    scheme, separator, rest = url.partition("://")
    if not separator:
        scheme, rest = "http", url
    scheme = scheme.lower()
    host = rest.split("/", 1)[0]
    return (
        scheme in ("http", "https", "tg")
        and bool(host)
        and not any(char.isspace() for char in url)
        and (scheme == "tg" or "." in host)
    )


def inline_keyboard(markup: JSON | None) -> JSON | None:
    """Only inline keyboards belong to a message; reply keyboards go to the client and are not echoed."""
    return markup if markup and "inline_keyboard" in markup else None


# --- Images: what Telegram's decoder needs to see before it accepts a photo ----------------------------

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_CHUNKS = frozenset({b"IHDR", b"PLTE", b"IDAT", b"IEND"})  # the critical chunks a decoder knows
PNG_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # colour type -> samples per pixel
PNG_DEPTHS = {0: (1, 2, 4, 8, 16), 2: (8, 16), 3: (1, 2, 4, 8), 4: (8, 16), 6: (8, 16)}
ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))
# Start-of-frame markers carry the size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but do not.
JPEG_FRAMES = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
JPEG_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})  # TEM and RSTn have no length
JPEG_SCAN = 0xDA


def image_size(content: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG or JPEG a decoder would accept, or None: Telegram's IMAGE_PROCESS_FAILED.

    A bot that writes a PNG by hand, or gets an HTML error page instead of a picture, finds out here.
    """
    if content.startswith(PNG_SIGNATURE):
        return _png_size(content)
    if content.startswith(b"\xff\xd8"):
        return _jpeg_size(content)
    return None


def _png_size(content: bytes) -> tuple[int, int] | None:
    """Walk the chunks (checksums included), then inflate the pixels: a truncated PNG does not decode."""
    pos, header, palette, data = len(PNG_SIGNATURE), None, False, bytearray()
    while pos + 12 <= len(content):
        length, kind = struct.unpack(">I4s", content[pos : pos + 8])
        end = pos + 12 + length
        if end > len(content) or not kind.isalpha():
            return None
        body = content[pos + 8 : end - 4]
        if zlib.crc32(kind + body) != struct.unpack(">I", content[end - 4 : end])[0]:
            return None
        pos = end
        if (header is None) != (kind == b"IHDR") or (kind[:1].isupper() and kind not in PNG_CHUNKS):
            return None  # IHDR first and once; an unknown critical chunk stops a decoder
        if kind == b"IHDR":
            if length != 13:
                return None
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"PLTE":
            palette = True
        elif kind == b"IDAT":
            data += body
        elif kind == b"IEND":
            break
    else:
        return None  # no IEND: the file was cut short
    assert header is not None
    width, height, depth, colour, compression, filtering, interlace = header
    if not (0 < width < 2**31 and 0 < height < 2**31) or depth not in PNG_DEPTHS.get(colour, ()):
        return None
    if (compression, filtering) != (0, 0) or interlace not in (0, 1) or (colour == 3 and not palette):
        return None
    expected = _png_data_size(width, height, depth * PNG_CHANNELS[colour], interlaced=interlace == 1)
    try:
        pixels = zlib.decompressobj().decompress(bytes(data), expected)
    except zlib.error:
        return None
    return (width, height) if len(pixels) == expected else None


def _png_data_size(width: int, height: int, bits_per_pixel: int, *, interlaced: bool) -> int:
    """Bytes of filtered scanlines the image needs: a filter byte per row, per Adam7 pass if interlaced."""
    passes = ADAM7 if interlaced else ((0, 0, 1, 1),)
    total = 0
    for x0, y0, dx, dy in passes:
        columns, rows = -(-(width - x0) // dx), -(-(height - y0) // dy)
        if columns > 0 and rows > 0:
            total += rows * (1 + -(-columns * bits_per_pixel // 8))
    return total


def _jpeg_size(content: bytes) -> tuple[int, int] | None:
    """Walk the marker segments to the first scan; the frame header before it has the size."""
    pos, size = 2, None
    while pos < len(content) and content[pos] == 0xFF:
        while pos < len(content) and content[pos] == 0xFF:  # fill bytes
            pos += 1
        if pos + 3 > len(content):
            return None
        marker = content[pos]
        pos += 1
        if marker in JPEG_STANDALONE:
            continue
        if marker in (0x00, 0xD8, 0xD9):  # a stuffed byte, a second SOI, or EOI before any scan
            return None
        (length,) = struct.unpack(">H", content[pos : pos + 2])
        segment = content[pos + 2 : pos + length]
        if length < 2 or pos + length > len(content):
            return None
        if marker in JPEG_FRAMES:
            if len(segment) < 6:
                return None
            _precision, height, width, components = struct.unpack(">BHHB", segment[:6])
            if not (width and height and components) or len(segment) < 6 + 3 * components:
                return None
            size = (width, height)
        elif marker == JPEG_SCAN:
            return size
        pos += length
    return None


def check_photo(content: bytes) -> tuple[int, int]:
    """The size of a photo Telegram would take; its errors, in its order, for one it would not."""
    if len(content) > MAX_PHOTO:
        raise bad_request(
            f"file of size {len(content)} bytes is too big for a photo; the maximum size is {MAX_PHOTO} bytes"
        )
    size = image_size(content)
    if size is None:
        raise bad_request("IMAGE_PROCESS_FAILED")
    if sum(size) > MAX_PHOTO_SIDES or max(size) > MAX_PHOTO_RATIO * min(size):
        raise bad_request("PHOTO_INVALID_DIMENSIONS")
    return size


def thumbnail_size(width: int, height: int) -> tuple[int, int] | None:
    """The smaller size Telegram adds to a photo, or None if the photo already fits in its box."""
    scale = THUMBNAIL_BOX / max(width, height)
    if scale >= 1:
        return None
    return max(1, round(width * scale)), max(1, round(height * scale))


# --- Records for tests ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class UploadedFile:
    """One file part of a multipart request, as the fake received it."""

    field: str
    filename: str | None
    content_type: str | None
    content: bytes


@dataclass(frozen=True)
class Call:
    """One request the fake answered: what was asked, and what it said back (499: the client hung up)."""

    method: str
    params: JSON
    files: dict[str, UploadedFile]
    status: int
    response: JSON
    at: float = field(default_factory=time.monotonic)

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def result(self) -> Any:
        return self.response.get("result")

    @property
    def description(self) -> str | None:
        return self.response.get("description")

    def __str__(self) -> str:
        params = json.dumps(self.params, ensure_ascii=False, default=str)
        outcome = "ok" if self.ok else f"{self.status} {self.description}"
        return f"{self.method} -> {outcome}; params={params[:160]}"


@dataclass(frozen=True)
class Upload:
    """A file the bot uploaded (not a file_id it reused)."""

    method: str
    chat_id: int
    field: str
    file: UploadedFile
    file_id: str
    file_unique_id: str

    @property
    def filename(self) -> str | None:
        return self.file.filename

    @property
    def mime_type(self) -> str | None:
        return self.file.content_type

    @property
    def content(self) -> bytes:
        return self.file.content


@dataclass(frozen=True)
class FileReuse:
    """A send that named an existing file_id instead of uploading."""

    method: str
    chat_id: int
    file_id: str


@dataclass(frozen=True)
class _StoredFile:
    file_id: str
    file_unique_id: str
    kind: str
    filename: str | None
    mime_type: str | None
    content: bytes
    path: str


@dataclass
class SentMessage:
    """A message of the bot as it stands now: edits change it, deleteMessage removes it."""

    message_id: int
    chat: JSON
    date: int
    kind: str  # "text", "audio", "document", "voice", "photo" or "poll"
    text: str | None = None  # plain text after parsing, for text messages
    caption: str | None = None  # plain caption after parsing, for media
    source: str | None = None  # the text or caption as the bot sent it, before parsing
    parse_mode: str | None = None
    entities: list[JSON] = field(default_factory=list)  # of the text, or of the caption
    reply_markup: JSON | None = None  # as sent, reply keyboards included
    reply_to_message: JSON | None = None
    link_preview_options: JSON | None = None
    file: JSON | list[JSON] | None = None  # the audio/document/voice object, the PhotoSizes, or the poll
    edit_date: int | None = None
    edits: int = 0

    @property
    def chat_id(self) -> int:
        return self.chat["id"]

    @property
    def audio(self) -> JSON | None:
        return self.file if self.kind == "audio" else None

    @property
    def document(self) -> JSON | None:
        return self.file if self.kind == "document" else None

    @property
    def voice(self) -> JSON | None:
        return self.file if self.kind == "voice" else None

    @property
    def photo(self) -> list[JSON] | None:
        """The PhotoSize objects, smallest first: the last one is the size the bot uploaded."""
        return self.file if self.kind == "photo" and isinstance(self.file, list) else None

    @property
    def poll(self) -> JSON | None:
        """The Poll as it stands now: votes counted, closed by stopPoll. Its "id" is the poll_id."""
        return self.file if self.kind == "poll" and isinstance(self.file, dict) else None

    @property
    def buttons(self) -> list[JSON]:
        """The inline buttons, row by row, flattened."""
        keyboard = inline_keyboard(self.reply_markup) or {"inline_keyboard": []}
        return [button for row in keyboard["inline_keyboard"] for button in row]

    @property
    def callback_data(self) -> list[str]:
        return [button["callback_data"] for button in self.buttons if "callback_data" in button]

    def to_api(self, bot: JSON) -> JSON:
        """The Message object Telegram would return for it now."""
        message: JSON = {"message_id": self.message_id, "from": bot, "chat": self.chat, "date": self.date}
        if self.edit_date is not None:
            message["edit_date"] = self.edit_date
        if self.reply_to_message is not None:
            message["reply_to_message"] = self.reply_to_message
        if self.kind == "text":
            message["text"] = self.text
            if self.entities:
                message["entities"] = self.entities
        else:
            message[self.kind] = self.file
            if self.caption:
                message["caption"] = self.caption
            if self.entities:
                message["caption_entities"] = self.entities
        if keyboard := inline_keyboard(self.reply_markup):
            message["reply_markup"] = keyboard
        return copy.deepcopy(message)


# --- Fault injection ----------------------------------------------------------------------------------


def _window_wait(window: deque[float], limit: float | None, now: float) -> int | None:
    """Whole seconds until a sliding one-second window has room again, or None if it has room now."""
    while window and window[0] <= now - 1.0:
        window.popleft()
    if limit is None or len(window) < limit:
        return None
    return max(1, math.ceil(window[0] + 1.0 - now))


class _RateLimiter:
    """Flood control like Telegram's: accepted sends per second, overall and per chat."""

    def __init__(self) -> None:
        self.overall: float | None = None
        self.per_chat: float | None = None
        self._sent: deque[float] = deque()
        self._sent_to: dict[object, deque[float]] = {}

    def retry_after(self, chat: object, now: float) -> int | None:
        waits = [
            _window_wait(self._sent, self.overall, now),
            _window_wait(self._sent_to.setdefault(chat, deque()), self.per_chat, now),
        ]
        return max((wait for wait in waits if wait is not None), default=None)

    def note(self, chat: object, now: float) -> None:
        self._sent.append(now)
        self._sent_to.setdefault(chat, deque()).append(now)


def _is_delivery(method: str) -> bool:
    """Methods that put something in a chat: the ones a block or flood control stops."""
    return method.startswith(("send", "edit"))


def _is_rate_limited(method: str) -> bool:
    return _is_delivery(method) and method != "sendChatAction"


def _chat_key(value: Any) -> object:
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


# --- Requests -------------------------------------------------------------------------------------------


class _Params:
    """The parameters of one request, with Telegram's way of complaining about bad ones."""

    def __init__(self, values: JSON, files: dict[str, UploadedFile]) -> None:
        self.values = values
        self.files = files

    def __contains__(self, name: str) -> bool:
        return name in self.values

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)

    def required(self, name: str) -> Any:
        value = self.values.get(name)
        if value is None or value == "":
            raise bad_request(f"{name} is empty")
        return value

    def integer(self, name: str) -> int:
        return _as_int(name, self.required(name))

    def optional_int(self, name: str) -> int | None:
        value = self.values.get(name)
        return None if value is None else _as_int(name, value)

    def optional_float(self, name: str) -> float | None:
        value = self.values.get(name)
        try:
            return None if value is None else float(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def chat_id(self) -> int | str:
        value = self.required("chat_id")
        if isinstance(value, str) and value.startswith("@"):
            return value
        return _as_int("chat_id", value)


def _as_int(name: str, value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise bad_request(f"invalid {name} specified") from None


def _decode_field(name: str, value: str) -> Any:
    if name in STRING_FIELDS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


async def _read_params(request: web.Request) -> tuple[JSON, dict[str, UploadedFile]]:
    """Decode a request however it came: PTB's form or multipart body, a JSON body, or a query string."""
    raw: dict[str, str] = dict(request.query)
    files: dict[str, UploadedFile] = {}
    if request.content_type == "application/json":
        body = await request.json() if request.can_read_body else {}
        if not isinstance(body, dict):
            raise bad_request("the request body must be a JSON object")
        return {**{k: _decode_field(k, v) for k, v in raw.items()}, **body}, files
    if request.content_type == "multipart/form-data":
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader) or part.name is None:
                continue
            if part.filename is None:
                raw[part.name] = await part.text()
            else:
                content = bytes(await part.read())
                files[part.name] = UploadedFile(
                    part.name, part.filename, part.headers.get(hdrs.CONTENT_TYPE), content
                )
    elif request.content_type == "application/x-www-form-urlencoded":
        raw.update({key: str(value) for key, value in (await request.post()).items()})
    return {key: _decode_field(key, value) for key, value in raw.items()}, files


# --- Updates --------------------------------------------------------------------------------------------


def _update_type(update: JSON) -> str:
    return next((key for key in update if key != "update_id"), "")


class _UpdateQueue:
    """Updates not yet confirmed by an offset, and the getUpdates calls parked until one arrives."""

    def __init__(self) -> None:
        self.pending: list[JSON] = []
        self.next_id = 1
        self.allowed: frozenset[str] = frozenset()
        self.closing = False
        self.confirmed_below = 0  # every update id below this has been confirmed by an offset
        self.delivered: set[int] = set()  # update ids a webhook answered with 2xx
        self.confirmations = asyncio.Condition()
        self._pollers: set[asyncio.Future[str]] = set()

    def push(self, update: JSON) -> JSON:
        update_id = update.setdefault("update_id", self.next_id)
        self.next_id = max(self.next_id, update_id + 1)
        self.pending.append(update)
        self.wake("update")
        return update

    def confirm(self, offset: int | None) -> None:
        """Forget what the bot has seen: ids below a positive offset, all but the last -offset otherwise."""
        if offset is None or offset == 0:
            return
        if offset < 0:
            self.pending = self.pending[offset:]
        else:
            self.pending = [update for update in self.pending if update["update_id"] >= offset]
            self.confirmed_below = max(self.confirmed_below, offset)

    def confirmed(self, update_id: int) -> bool:
        return update_id < self.confirmed_below or update_id in self.delivered

    async def deliver(self, update_id: int) -> None:
        """A webhook took the update: it is confirmed, as an offset past it would confirm it."""
        self.pending = [update for update in self.pending if update["update_id"] != update_id]
        self.delivered.add(update_id)
        async with self.confirmations:
            self.confirmations.notify_all()

    def take(self, limit: int) -> list[JSON]:
        """The next updates the bot asked for; types it did not ask for are dropped, as Telegram does."""
        self.pending = [update for update in self.pending if self._wanted(_update_type(update))]
        return self.pending[:limit]

    def _wanted(self, kind: str) -> bool:
        return kind in self.allowed if self.allowed else kind not in OPT_IN_UPDATES

    def wake(self, reason: str) -> None:
        for poller in self._pollers:
            if not poller.done():
                poller.set_result(reason)

    async def park(self, seconds: float) -> str:
        """Wait for `wake`; returns its reason ("update", "conflict", "closing") or "timeout"."""
        poller: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._pollers.add(poller)
        try:
            async with asyncio.timeout(seconds):
                return await poller
        except TimeoutError:
            return "timeout"
        finally:
            self._pollers.discard(poller)


# --- Webhooks -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WebhookDelivery:
    """One POST of an update to the bot's webhook, and the HTTP status it got back (0: none)."""

    update_id: int
    status: int
    secret_token: str | None
    at: float = field(default_factory=time.monotonic)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


@dataclass
class _Webhook:
    """What setWebhook set, and the last delivery error, as getWebhookInfo reports them."""

    url: str
    secret_token: str | None
    max_connections: int
    ip_address: str | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None

    @property
    def loopback(self) -> bool:
        return urllib.parse.urlsplit(self.url).hostname in LOOPBACK_HOSTS

    def info(self) -> JSON:
        found: JSON = {"url": self.url, "max_connections": self.max_connections}
        if self.ip_address:
            found["ip_address"] = self.ip_address
        if self.last_error_date is not None:
            found |= {"last_error_date": self.last_error_date, "last_error_message": self.last_error_message}
        return found


def check_webhook_url(url: str) -> None:
    """Telegram's rules (https, on port 80, 88, 443 or 8443), except that a loopback URL may be
    plain http on any port: the fake delivers to the test's own bot, and only there."""
    parts = urllib.parse.urlsplit(url)
    loopback = parts.hostname in LOOPBACK_HOSTS
    if (
        not parts.hostname
        or parts.scheme not in ("https", "http")
        or (parts.scheme == "http" and not loopback)
    ):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise bad_request("bad webhook: Wrong port number specified in the URL") from None
    if not loopback and port not in WEBHOOK_PORTS:
        raise bad_request("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")


def check_secret_token(secret: object) -> str | None:
    """1-256 of A-Z a-z 0-9 _ -; an empty one means none (no header is sent)."""
    if secret is None or secret == "":
        return None
    text = str(secret)
    if len(text) > 256:
        raise bad_request("secret token is too long")
    if not SECRET_TOKEN.fullmatch(text):
        raise bad_request("secret token contains unallowed characters")
    return text


class _WebhookSender:
    """Posts pending updates to the webhook as Telegram does: JSON bodies, the secret in a header,
    at most `max_connections` at once; an update stays pending until the bot answers 2xx, and is
    sent again `retry_delay` seconds after anything else (a refusal, an error, no answer)."""

    def __init__(
        self,
        hook: _Webhook,
        queue: _UpdateQueue,
        on_delivery: Callable[[WebhookDelivery], None],
        *,
        retry_delay: float,
        timeout: float,
    ) -> None:
        self.hook = hook
        self.queue = queue
        self.on_delivery = on_delivery
        self.retry_delay = retry_delay
        self.timeout = timeout
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        self._retry_at: dict[int, float] = {}
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="fake webhook")

    async def stop(self) -> None:
        tasks = [task for task in (self._task, *self._in_flight.values()) if task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while not self.queue.closing:
                now = loop.time()
                for update in self.queue.take(len(self.queue.pending)):
                    update_id = update["update_id"]
                    if len(self._in_flight) >= self.hook.max_connections:
                        break
                    if update_id not in self._in_flight and self._retry_at.get(update_id, 0.0) <= now:
                        self._in_flight[update_id] = asyncio.create_task(self._post(session, update))
                later = [at - now for at in self._retry_at.values() if at > now]
                await self.queue.park(min(later, default=1.0))

    async def _post(self, session: aiohttp.ClientSession, update: JSON) -> None:
        update_id = update["update_id"]
        status, error = 0, ""
        try:
            status, error = await self._send(session, update)
        finally:
            self._in_flight.pop(update_id, None)
        self.on_delivery(WebhookDelivery(update_id, status, self.hook.secret_token))
        if 200 <= status < 300:
            self._retry_at.pop(update_id, None)
            await self.queue.deliver(update_id)
        else:
            self.hook.last_error_date, self.hook.last_error_message = _now(), error
            self._retry_at[update_id] = asyncio.get_running_loop().time() + self.retry_delay
        self.queue.wake("delivered")

    async def _send(self, session: aiohttp.ClientSession, update: JSON) -> tuple[int, str]:
        """The status and, unless 2xx, the error in getWebhookInfo's words."""
        if not self.hook.loopback:  # tests never touch the internet
            return 0, "Failed to resolve host: the fake delivers to loopback addresses only"
        headers = {hdrs.CONTENT_TYPE: "application/json"}
        if self.hook.secret_token is not None:
            headers[SECRET_HEADER] = self.hook.secret_token
        try:
            async with session.post(self.hook.url, data=json.dumps(update), headers=headers) as response:
                await response.read()
                return (
                    response.status,
                    f"Wrong response from the webhook: {response.status} {response.reason}",
                )
        except TimeoutError:
            return 0, "Read timeout expired"
        except aiohttp.ClientConnectionError:
            return 0, "Connection refused"


def _member(user: JSON, status: str) -> JSON:
    """A ChatMember object with the fields PTB requires for its status."""
    member: JSON = {"user": user, "status": status}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        rights = ("can_manage_chat", "can_delete_messages", "can_restrict_members", "can_invite_users")
        member |= {"can_be_edited": False, "is_anonymous": False, "can_promote_members": False}
        member |= {"can_manage_video_chats": False, "can_change_info": False, "can_post_stories": False}
        member |= {"can_edit_stories": False, "can_delete_stories": False, "can_pin_messages": True}
        member |= dict.fromkeys(rights, True)
    elif status == "restricted":
        permissions = ("can_send_messages", "can_send_audios", "can_send_documents", "can_send_photos")
        permissions += ("can_send_videos", "can_send_video_notes", "can_send_voice_notes", "can_send_polls")
        permissions += ("can_send_other_messages", "can_add_web_page_previews", "can_change_info")
        permissions += ("can_invite_users", "can_pin_messages", "can_manage_topics")
        member |= {"is_member": True, "until_date": 0} | dict.fromkeys(permissions, False)
    elif status == "kicked":
        member["until_date"] = 0
    return member


# --- The server -----------------------------------------------------------------------------------------


class FakeTelegramServer:
    """The Bot API on 127.0.0.1 (a free port), served by aiohttp in the test's own event loop.

    `async with FakeTelegramServer() as fake:`, then point PTB at `f"{fake.url}/bot"`. Inject updates
    with `send_text`, `press_button`, `answer_poll`, `add_bot_to_group` or `push_update`; read `calls`,
    `messages(chat)`, `uploads`; `await wait_for(...)` rather than sleeping; make it fail with
    `block_chat`, `fail_next` and `rate_limit`.
    """

    def __init__(
        self, *, token: str = TOKEN, bot_username: str = BOT_USERNAME, bot_first_name: str = BOT_FIRST_NAME
    ) -> None:
        self.token = token
        self.bot_username = bot_username
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_user: JSON = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._calls: list[Call] = []
        self._waiters: set[asyncio.Event] = set()
        self.uploads: list[Upload] = []
        self.file_reuses: list[FileReuse] = []
        self.callback_answers: list[JSON] = []
        self.rate_limited_count = 0  # 429 answers, from rate_limit and from fail_next alike
        self._queue = _UpdateQueue()
        self._chats: dict[int, JSON] = {}
        self._users: dict[int, JSON] = {}
        self._members: dict[tuple[int, int], str] = {}
        self._last_message_id: dict[int, int] = {}
        self._sent: dict[int, dict[int, SentMessage]] = {}
        self._received: dict[int, dict[int, JSON]] = {}
        self._open_queries: dict[str, JSON] = {}
        self._files: dict[str, _StoredFile] = {}
        self._photos: dict[str, list[JSON]] = {}  # the file_id of each size -> all sizes of that photo
        self._votes: dict[str, dict[int, list[int]]] = {}  # poll id -> user id -> chosen option ids
        self._file_prefix = secrets.token_hex(4)
        self._commands: dict[tuple[str, str], list[JSON]] = {}
        self.descriptions: dict[tuple[str, str], str] = {}  # (kind, language_code) -> text
        self._blocked: dict[object, ApiError] = {}
        self._failures: dict[str, deque[ApiError]] = {}
        self._limiter = _RateLimiter()
        self._slow: dict[object, float] = {}
        self._webhook: _Webhook | None = None
        self._sender: _WebhookSender | None = None
        self.webhook_deliveries: list[WebhookDelivery] = []
        self.webhook_retry_delay = 0.2  # seconds before a failed delivery is tried again (Telegram: longer)
        self.webhook_timeout = 10.0  # seconds a delivery waits for the bot's answer

    # Lifecycle

    @property
    def url(self) -> str:
        if self._port is None:
            raise RuntimeError("the fake Telegram server is not running")
        return f"http://127.0.0.1:{self._port}"

    async def start(self) -> Self:
        app = web.Application(client_max_size=MAX_UPLOAD)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        # handler_cancellation: a long poll whose client hung up ends, as on Telegram, instead of lingering.
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self._port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()
        return self

    async def stop(self) -> None:
        """Answer parked polls first, so a client still polling gets `[]` instead of a dropped line."""
        self._queue.closing = True
        self._queue.wake("closing")
        await self._stop_sending()
        if self._runner is not None:
            await self._runner.cleanup()
        self._runner = None
        self._port = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # Injecting updates

    def push_update(self, update: JSON) -> JSON:
        """Queue any update; an update_id is assigned unless it has one. Returns the queued dict."""
        return self._queue.push(update)

    def send_text(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        chat_type: str = "private",
        chat_title: str | None = None,
        reply_to_message_id: int | None = None,
        first_name: str = "Tester",
        username: str | None = None,
        language_code: str | None = "en",
    ) -> JSON:
        """A user writes `text`; a leading /command gets its bot_command entity, as Telegram clients add."""
        user = self._register_user(
            self._speaker(chat_id, chat_type, user_id), first_name, username, language_code
        )
        chat = self._register_chat(chat_id, chat_type, title=chat_title, user=user)
        message: JSON = {
            "message_id": self._new_message_id(chat_id),
            "from": user,
            "chat": chat,
            "date": _now(),
            "text": text,
        }
        if command := COMMAND.match(text):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": utf16_len(command[0])}]
        if reply_to_message_id is not None:
            message["reply_to_message"] = self._existing_message(chat_id, reply_to_message_id)
        self._received.setdefault(chat_id, {})[message["message_id"]] = message
        return self.push_update({"message": message})

    def press_button(
        self, message_id: int, chat_id: int, callback_data: str, *, user_id: int | None = None
    ) -> JSON:
        """A user taps an inline button of the bot's message, which must exist and carry that data."""
        message = self._sent.get(chat_id, {}).get(message_id)
        if message is None:
            raise ValueError(f"the bot has no message {message_id} in chat {chat_id}")
        if callback_data not in message.callback_data:
            raise ValueError(f"message {message_id} has no button {callback_data!r}: {message.callback_data}")
        chat_type = message.chat["type"]
        user = self._users.get(self._speaker(chat_id, chat_type, user_id))
        user = user or self._register_user(self._speaker(chat_id, chat_type, user_id), "Tester", None, "en")
        query = {
            "id": f"{secrets.randbelow(10**18)}",
            "from": user,
            "message": message.to_api(self.bot_user),
            "chat_instance": f"instance-{chat_id}",
            "data": callback_data,
        }
        self._open_queries[query["id"]] = query
        return self.push_update({"callback_query": query})

    def answer_poll(
        self,
        chat_id: int,
        message_id: int,
        option_ids: list[int],
        *,
        user_id: int | None = None,
        first_name: str = "Tester",
    ) -> JSON:
        """A user votes in the bot's poll; an empty `option_ids` retracts the vote. Returns the update.

        Refused with ValueError where a Telegram client would not let the user vote: a closed poll,
        an option that does not exist, several options in a single-answer poll, a second answer to a
        quiz (or to a poll that disallows revoting). An anonymous poll is refused too: Telegram sends
        the bot no poll_answer for it, so a bot that waits for one is waiting for nothing. The update
        is a `poll_answer` with the user and no chat or message; the bot learns which poll by its id.
        A user the fake already knows keeps their name; `first_name` names a new one.
        """
        message = self._sent.get(chat_id, {}).get(message_id)
        if message is None:
            raise ValueError(f"the bot has no message {message_id} in chat {chat_id}")
        poll = message.poll
        if poll is None:
            raise ValueError(f"message {message_id} in chat {chat_id} is a {message.kind}, not a poll")
        if poll["is_closed"]:
            raise ValueError(f"MESSAGE_POLL_CLOSED: poll {poll['id']} is closed")
        if poll["is_anonymous"]:
            raise ValueError(f"poll {poll['id']} is anonymous: Telegram sends the bot no poll_answer for it")
        options = poll["options"]
        if len(set(option_ids)) != len(option_ids) or any(not 0 <= i < len(options) for i in option_ids):
            raise ValueError(f"OPTION_INVALID: {option_ids} for a poll of {len(options)} options")
        if len(option_ids) > 1 and not poll["allows_multiple_answers"]:
            raise ValueError(f"OPTIONS_TOO_MUCH: poll {poll['id']} takes one answer")
        voter = self._speaker(chat_id, message.chat["type"], user_id)
        user = self._users.get(voter) or self._register_user(voter, first_name, None, "en")
        votes = self._votes.setdefault(poll["id"], {})
        previous = votes.get(voter)
        if previous is not None and not poll.get("allows_revoting", poll["type"] != "quiz"):
            raise ValueError(f"REVOTE_NOT_ALLOWED: user {voter} has answered {poll['type']} {poll['id']}")
        if previous is None and not option_ids:
            raise ValueError(f"user {voter} has no vote in poll {poll['id']} to retract")
        for option in previous or []:
            options[option]["voter_count"] -= 1
        for option in option_ids:
            options[option]["voter_count"] += 1
        if option_ids:
            votes[voter] = list(option_ids)
        else:
            del votes[voter]
        poll["total_voter_count"] = len(votes)
        answer = {
            "poll_id": poll["id"],
            "user": user,
            "option_ids": list(option_ids),
            "option_persistent_ids": [options[option]["persistent_id"] for option in option_ids],
        }
        return self.push_update({"poll_answer": copy.deepcopy(answer)})

    def add_bot_to_group(
        self,
        chat_id: int,
        title: str,
        *,
        by_user_id: int,
        chat_type: str = "group",
        status: str = "member",
        first_name: str = "Tester",
    ) -> JSON:
        """A user adds the bot to a group: Telegram tells the bot with a my_chat_member update."""
        if chat_type not in ("group", "supergroup") or status not in ("member", "administrator"):
            raise ValueError(f"cannot add the bot to a {chat_type} as {status}")
        user = self._users.get(by_user_id) or self._register_user(by_user_id, first_name, None, "en")
        chat = self._register_chat(chat_id, chat_type, title=title)
        self._members[(chat_id, self.bot_id)] = status
        change = {
            "chat": chat,
            "from": user,
            "date": _now(),
            "old_chat_member": _member(self.bot_user, "left"),
            "new_chat_member": _member(self.bot_user, status),
        }
        return self.push_update({"my_chat_member": change})

    # Inspecting

    @property
    def calls(self) -> list[Call]:
        return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self._calls if call.method.lower() == method.lower()]

    def message_counts(self) -> dict[int, int]:
        """How many of the bot's messages each chat holds: duplicates and losses at a glance."""
        return {chat_id: len(sent) for chat_id, sent in self._sent.items() if sent}

    def messages(self, chat_id: int) -> list[SentMessage]:
        """The bot's messages in a chat as they stand now (copies), oldest first."""
        sent = self._sent.get(chat_id, {})
        return [copy.deepcopy(sent[message_id]) for message_id in sorted(sent)]

    def message(self, chat_id: int, message_id: int) -> SentMessage | None:
        found = self._sent.get(chat_id, {}).get(message_id)
        return copy.deepcopy(found)

    async def wait_confirmed(self, update_id: int, timeout: float = 5.0) -> None:
        """Until a getUpdates *arrives* whose offset confirms `update_id` (PTB has queued that update),
        or the bot's webhook has answered its delivery with 2xx.

        `wait_for("getUpdates")` would only see that poll when it is answered, a poll timeout later.
        """
        queue = self._queue
        async with asyncio.timeout(timeout), queue.confirmations:
            await queue.confirmations.wait_for(lambda: queue.confirmed(update_id))

    @property
    def webhook_url(self) -> str:
        """The webhook setWebhook set, or "" (updates by getUpdates)."""
        return self._webhook.url if self._webhook is not None else ""

    async def wait_for_deliveries(
        self, matches: Callable[[WebhookDelivery], bool], count: int = 1, timeout: float = 5.0
    ) -> list[WebhookDelivery]:
        """Until `count` webhook deliveries in all match; returns them."""
        arrived = asyncio.Event()
        self._waiters.add(arrived)
        try:
            async with asyncio.timeout(timeout):
                while len(found := [d for d in self.webhook_deliveries if matches(d)]) < count:
                    arrived.clear()
                    await arrived.wait()
        finally:
            self._waiters.discard(arrived)
        return found

    @property
    def pending_updates(self) -> list[JSON]:
        """Updates the bot has not confirmed yet."""
        return list(self._queue.pending)

    def commands(self, scope: JSON | None = None, language_code: str = "") -> list[JSON]:
        return list(self._commands.get(_commands_key(scope, language_code), []))

    async def wait_for(
        self, what: str | Callable[[Call], bool], count: int = 1, timeout: float = 5.0
    ) -> list[Call]:
        """Wait until `count` calls in all match (a method name, any outcome, or a predicate); return them.

        Counts every call since the server started, so a reply that came before the wait still counts.
        Woken by each recorded call, never by polling; on timeout, an AssertionError lists recent calls.
        A call is recorded once the fake has answered it: the bot may still be reading the response.
        """
        matches = _matcher(what)
        arrived = asyncio.Event()
        self._waiters.add(arrived)
        try:
            async with asyncio.timeout(timeout):
                while len(found := [call for call in self._calls if matches(call)]) < count:
                    arrived.clear()
                    await arrived.wait()
        except TimeoutError:
            raise AssertionError(self._timeout_report(what, count, timeout)) from None
        finally:
            self._waiters.discard(arrived)
        return found

    def _timeout_report(self, what: str | Callable[[Call], bool], count: int, timeout: float) -> str:
        matches = _matcher(what)
        got = sum(1 for call in self._calls if matches(call))
        recent = [call for call in self._calls if not (call.method == "getUpdates" and call.ok)][-15:]
        lines = "\n".join(f"  {call}" for call in recent) or "  (none)"
        return f"waited {timeout}s for {count} call(s) matching {what!r}, got {got}; recent calls:\n{lines}"

    # Faults

    def block_chat(
        self,
        chat_id: int | str,
        description: str = "Forbidden: bot was blocked by the user",
        status: int = 403,
    ) -> None:
        """Every send or edit to the chat fails, e.g. a user who blocked the bot or deleted the account."""
        self._blocked[_chat_key(chat_id)] = ApiError(status, description)

    def slow_chat(self, chat_id: int | str, seconds: float) -> None:
        """Sends to this chat take `seconds` to answer (a congested chat, a slow data center)."""
        self._slow[_chat_key(chat_id)] = seconds

    def unblock_chat(self, chat_id: int | str) -> None:
        self._blocked.pop(_chat_key(chat_id), None)

    def fail_next(
        self,
        method: str,
        status: int,
        description: str | None = None,
        retry_after: int | None = None,
        count: int = 1,
    ) -> None:
        """The next `count` calls to `method` fail as told, before anything else is checked."""
        if status == 429:
            retry_after = retry_after or 1
        description = description or _default_description(status, retry_after)
        queue = self._failures.setdefault(method.lower(), deque())
        queue.extend(ApiError(status, description, retry_after) for _ in range(count))

    def rate_limit(
        self, per_second_overall: float | None = None, per_second_per_chat: float | None = None
    ) -> None:
        """Answer 429 once sends and edits exceed these rates (None: unlimited), in sliding 1 s windows.

        Only accepted requests fill a window, so a bot that waits `retry_after` gets through.
        """
        self._limiter.overall = per_second_overall
        self._limiter.per_chat = per_second_per_chat

    def set_member_status(self, chat_id: int, user_id: int, status: str) -> None:
        if status not in MEMBER_STATUSES:
            raise ValueError(f"unknown chat member status {status!r}")
        self._members[(chat_id, user_id)] = status

    # HTTP

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        name = API_METHODS.get(method.lower(), method)
        values: JSON = {}
        files: dict[str, UploadedFile] = {}
        try:
            values, files = await _read_params(request)
            result = await self._answer(request.match_info["token"], name, _Params(values, files))
            status, body = 200, {"ok": True, "result": result}
        except ApiError as error:
            status, body = error.status, error.body()
        except Exception as error:  # a bug in the fake: answer and record it, so the test sees it
            _LOGGER.exception("the fake Telegram server failed on %s", name)
            status, body = 500, ApiError(500, f"Internal Server Error: the fake failed: {error!r}").body()
        except asyncio.CancelledError:
            self._record(Call(name, values, files, 499, {"ok": False, "description": "client hung up"}))
            raise
        self._record(Call(name, values, files, status, body))
        return web.json_response(body, status=status)

    async def _answer(self, token: str, method: str, params: _Params) -> Any:
        if token != self.token:
            raise ApiError(401, "Unauthorized")
        if method.lower() not in API_METHODS:
            raise ApiError(404, "Not Found")
        self._inject_faults(method, params)
        if _is_delivery(method) and (delay := self._slow.get(_chat_key(params.get("chat_id")))):
            await asyncio.sleep(delay)
        result = await getattr(self, f"api_{method}")(params)
        if _is_rate_limited(method):
            self._limiter.note(_chat_key(params.get("chat_id")), time.monotonic())
        return result

    def _inject_faults(self, method: str, params: _Params) -> None:
        if failures := self._failures.get(method.lower()):
            raise failures.popleft()
        if not _is_delivery(method):
            return
        chat = _chat_key(params.get("chat_id"))
        if chat in self._blocked:
            blocked = self._blocked[chat]
            raise ApiError(blocked.status, blocked.description)
        if _is_rate_limited(method) and (wait := self._limiter.retry_after(chat, time.monotonic())):
            raise ApiError(429, f"Too Many Requests: retry after {wait}", retry_after=wait)

    def _record(self, call: Call) -> None:
        self._calls.append(call)
        if call.status == 429:
            self.rate_limited_count += 1
        for waiter in self._waiters:
            waiter.set()

    async def _download(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(ApiError(401, "Unauthorized").body(), status=401)
        path = request.match_info["path"]
        stored = next((file for file in self._files.values() if file.path == path), None)
        if stored is None:
            return web.json_response(ApiError(404, "Not Found").body(), status=404)
        return web.Response(body=stored.content, content_type=stored.mime_type or "application/octet-stream")

    # Chats, users, messages

    def _speaker(self, chat_id: int, chat_type: str, user_id: int | None) -> int:
        if chat_type == "private":
            if user_id not in (None, chat_id):
                raise ValueError("in a private chat the user id is the chat id")
            return chat_id
        return GROUP_MEMBER_ID if user_id is None else user_id

    def _register_user(
        self, user_id: int, first_name: str, username: str | None, language_code: str | None
    ) -> JSON:
        user: JSON = {"id": user_id, "is_bot": False, "first_name": first_name}
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        self._users[user_id] = user
        return user

    def _register_chat(
        self, chat_id: int, chat_type: str, *, title: str | None = None, user: JSON | None = None
    ) -> JSON:
        """One dict per chat, updated in place, so stored messages show the chat as it is now."""
        known = self._chats.setdefault(chat_id, {})
        if chat_type == "private":
            source = user or known
            fresh: JSON = {"id": chat_id, "type": "private", "first_name": source.get("first_name", "User")}
            if username := source.get("username"):
                fresh["username"] = username
        else:
            fresh = {
                "id": chat_id,
                "type": chat_type,
                "title": title or known.get("title", f"Group {chat_id}"),
            }
        known.clear()
        known.update(fresh)
        return known

    def _chat(self, ref: int | str) -> JSON:
        if isinstance(ref, str):
            name = ref.removeprefix("@").lower()
            found = next((c for c in self._chats.values() if c.get("username", "").lower() == name), None)
            if found is None:
                raise bad_request("chat not found")
            return found
        return self._chats.get(ref) or self._register_chat(ref, "private" if ref > 0 else "group")

    def _new_message_id(self, chat_id: int) -> int:
        self._last_message_id[chat_id] = self._last_message_id.get(chat_id, 0) + 1
        return self._last_message_id[chat_id]

    def _message_dict(self, chat_id: int, message_id: int) -> JSON | None:
        if sent := self._sent.get(chat_id, {}).get(message_id):
            return sent.to_api(self.bot_user)
        return copy.deepcopy(self._received.get(chat_id, {}).get(message_id))

    def _existing_message(self, chat_id: int, message_id: int) -> JSON:
        found = self._message_dict(chat_id, message_id)
        if found is None:
            raise ValueError(f"chat {chat_id} has no message {message_id}")
        return found

    def _store(self, chat: JSON, **fields: Any) -> SentMessage:
        message = SentMessage(message_id=self._new_message_id(chat["id"]), chat=chat, date=_now(), **fields)
        self._sent.setdefault(chat["id"], {})[message.message_id] = message
        return message

    def _reply_target(self, params: _Params, chat_id: int) -> JSON | None:
        """The message a send replies to; a missing one is an error unless the bot allowed it."""
        reply = params.get("reply_parameters") or {}
        if not isinstance(reply, dict):
            raise bad_request("can't parse reply parameters JSON object")
        message_id = reply.get("message_id", params.get("reply_to_message_id"))
        if message_id is None:
            return None
        target = self._message_dict(
            _as_int("chat_id", reply.get("chat_id", chat_id)), _as_int("message_id", message_id)
        )
        allowed = reply.get("allow_sending_without_reply") or params.get("allow_sending_without_reply")
        if target is None and not allowed:
            raise bad_request("message to be replied not found")
        return target

    def _format(self, params: _Params, name: str, limit: int) -> FormattedText:
        """The text or caption as Telegram would store it, refused when empty (texts) or too long."""
        source = params.get(name)
        entities = params.get("entities" if name == "text" else "caption_entities")
        formatted = format_text(str(source or ""), params.get("parse_mode"), entities)
        if name == "text" and not formatted.text:
            raise bad_request("message text is empty")
        if utf16_len(formatted.text) > limit:
            raise bad_request("message is too long" if name == "text" else "message caption is too long")
        return formatted

    def _editable(self, params: _Params) -> SentMessage:
        if params.get("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")  # the fake sends no inline messages
        chat = self._chat(params.chat_id())
        message_id = params.integer("message_id")
        message = self._sent.get(chat["id"], {}).get(message_id)
        if message is None:
            seen = message_id in self._received.get(chat["id"], {})
            raise bad_request("message can't be edited" if seen else "message to edit not found")
        return message

    def _edited(self, message: SentMessage, **changes: Any) -> JSON:
        """Apply an edit, refusing one that changes nothing, as Telegram does."""
        before = (message.text, message.caption, message.entities, inline_keyboard(message.reply_markup))
        after = {
            "text": message.text,
            "caption": message.caption,
            "entities": message.entities,
            "reply_markup": message.reply_markup,
        } | changes
        if before == (
            after["text"],
            after["caption"],
            after["entities"],
            inline_keyboard(after["reply_markup"]),
        ):
            raise bad_request(NOT_MODIFIED)
        for key, value in changes.items():
            setattr(message, key, value)
        message.edits += 1
        message.edit_date = _now()
        return message.to_api(self.bot_user)

    # Files

    def _upload_part(self, params: _Params, kind: str) -> UploadedFile | None:
        """The uploaded file: the part named like the parameter, or the one it names with attach://."""
        part = params.files.get(kind)
        reference = params.get(kind)
        if part is None and isinstance(reference, str) and reference.startswith("attach://"):
            part = params.files.get(reference.removeprefix("attach://"))
        return part

    def _reused_file(self, params: _Params, kind: str, chat_id: int, method: str) -> str:
        """The file_id a send names instead of uploading; it must be one this server issued."""
        reference = params.get(kind)
        if reference in (None, ""):
            raise bad_request(f"there is no {kind} in the request")
        if not isinstance(reference, str) or reference not in self._files:
            raise bad_request(WRONG_FILE)
        issued_as = self._files[reference].kind
        if (issued_as == "photo") != (kind == "photo"):
            raise bad_request(
                f"can't use file of type {FILE_TYPE_NAMES[issued_as]} as {FILE_TYPE_NAMES[kind]}"
            )
        self.file_reuses.append(FileReuse(method, chat_id, reference))
        return reference

    def _media_file(self, params: _Params, kind: str, chat_id: int, method: str) -> JSON:
        """An upload gets a new file_id; a file_id must be one this server issued."""
        part = self._upload_part(params, kind)
        if part is not None:
            stored = self._issue_file(kind, part)
            self.uploads.append(
                Upload(method, chat_id, part.field, part, stored.file_id, stored.file_unique_id)
            )
        else:
            stored = self._files[self._reused_file(params, kind, chat_id, method)]
        return self._file_object(kind, stored, params)

    def _photo_sizes(self, params: _Params, chat_id: int, method: str) -> list[JSON]:
        """The PhotoSizes of an uploaded photo (checked as Telegram checks it), or of a reused one.

        Each size gets its own file_id, and sending any of them sends the whole photo again, as on
        Telegram. The thumbnail keeps the uploaded bytes: the fake does not scale or re-encode.
        """
        part = self._upload_part(params, "photo")
        if part is None:
            return copy.deepcopy(self._photos[self._reused_file(params, "photo", chat_id, method)])
        width, height = check_photo(part.content)
        original = self._issue_file("photo", part)
        self.uploads.append(
            Upload(method, chat_id, part.field, part, original.file_id, original.file_unique_id)
        )
        sizes = [(original, width, height)]
        if thumbnail := thumbnail_size(width, height):
            sizes.insert(0, (self._issue_file("photo", part, variant=f"{thumbnail}"), *thumbnail))
        photo = [
            {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "width": size_width,
                "height": size_height,
                "file_size": len(stored.content),
            }
            for stored, size_width, size_height in sizes
        ]
        for stored, _, _ in sizes:
            self._photos[stored.file_id] = photo
        return copy.deepcopy(photo)

    def _issue_file(self, kind: str, part: UploadedFile, *, variant: str = "") -> _StoredFile:
        """A new file_id; the file_unique_id follows the bytes (and the variant: a photo's other size)."""
        number = len(self._files) + 1
        suffix = PurePosixPath(part.filename or "").suffix
        stored = _StoredFile(
            file_id=f"fake-{kind}-{self._file_prefix}-{number}",
            file_unique_id="AgAD" + hashlib.sha256(variant.encode() + part.content).hexdigest()[:12],
            kind=kind,
            filename=part.filename,
            mime_type=part.content_type,
            content=part.content,
            path=f"{kind}s/file_{number}{suffix}",
        )
        self._files[stored.file_id] = stored
        return stored

    def _file_object(self, kind: str, stored: _StoredFile, params: _Params) -> JSON:
        found: JSON = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
        }
        if stored.mime_type:
            found["mime_type"] = stored.mime_type
        if kind in ("audio", "voice"):
            found["duration"] = params.optional_int("duration") or 0
        if kind in ("audio", "document") and stored.filename:
            found["file_name"] = stored.filename
        if kind == "audio":
            found |= {key: params.get(key) for key in ("title", "performer") if params.get(key)}
        return found

    async def _send_media(self, params: _Params, kind: str, method: str) -> JSON:
        chat = self._chat(params.chat_id())
        caption = self._format(params, "caption", MAX_CAPTION)
        markup = check_markup(params.get("reply_markup"), private=chat["type"] == "private")
        reply_to = self._reply_target(params, chat["id"])
        media: JSON | list[JSON]
        if kind == "photo":
            media = self._photo_sizes(params, chat["id"], method)
        else:
            media = self._media_file(params, kind, chat["id"], method)
        message = self._store(
            chat,
            kind=kind,
            caption=caption.text or None,
            entities=caption.entities,
            source=params.get("caption"),
            parse_mode=params.get("parse_mode"),
            reply_markup=markup,
            reply_to_message=reply_to,
            file=media,
        )
        return message.to_api(self.bot_user)

    # Bot API methods: `api_<name>` answers /bot<token>/<name>, names matched case-insensitively

    async def api_getMe(self, params: _Params) -> JSON:
        capabilities = ("can_join_groups", "can_read_all_group_messages", "supports_inline_queries")
        return self.bot_user | dict.fromkeys(capabilities, False) | {"can_join_groups": True}

    async def api_setWebhook(self, params: _Params) -> bool:
        """Updates are posted to `url` from now on (an empty url removes the webhook); getUpdates is
        refused meanwhile. Checked as Telegram checks it, except that loopback may be plain http."""
        url = str(params.get("url") or "")
        if not url:
            return await self.api_deleteWebhook(params)
        check_webhook_url(url)
        secret = check_secret_token(params.get("secret_token"))
        least, default, most = WEBHOOK_CONNECTIONS
        connections = min(max(params.optional_int("max_connections") or default, least), most)
        if "allowed_updates" in params:
            self._queue.allowed = frozenset(params.get("allowed_updates") or ())
        if params.get("drop_pending_updates"):
            self._queue.pending.clear()
        await self._stop_sending()
        self._webhook = _Webhook(url, secret, connections, ip_address=params.get("ip_address"))
        self._sender = _WebhookSender(
            self._webhook,
            self._queue,
            self._delivered,
            retry_delay=self.webhook_retry_delay,
            timeout=self.webhook_timeout,
        )
        self._sender.start()
        self._queue.wake("conflict")  # a poll under way ends, as a newer poll would end it
        return True

    async def api_deleteWebhook(self, params: _Params) -> bool:
        await self._stop_sending()
        self._webhook = None
        if params.get("drop_pending_updates"):
            self._queue.pending.clear()
        return True

    async def api_getWebhookInfo(self, params: _Params) -> JSON:
        info: JSON = {
            "url": "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._queue.pending),
        }
        if self._webhook is not None:
            info |= self._webhook.info()
            if self._queue.allowed:
                info["allowed_updates"] = sorted(self._queue.allowed)
        return info

    async def _stop_sending(self) -> None:
        if self._sender is not None:
            sender, self._sender = self._sender, None
            await sender.stop()

    def _delivered(self, delivery: WebhookDelivery) -> None:
        self.webhook_deliveries.append(delivery)
        for waiter in self._waiters:
            waiter.set()

    async def api_close(self, params: _Params) -> bool:
        return True

    async def api_logOut(self, params: _Params) -> bool:
        return True

    async def api_getUpdates(self, params: _Params) -> list[JSON]:
        """Long polling: answer at once if updates are pending, else when one arrives or `timeout` ends."""
        if self._webhook is not None:
            raise ApiError(409, WEBHOOK_ACTIVE)
        queue = self._queue
        queue.wake("conflict")  # a newer poll ends the older ones, like Telegram
        if "allowed_updates" in params:
            queue.allowed = frozenset(params.get("allowed_updates") or ())
        queue.confirm(params.optional_int("offset"))
        async with queue.confirmations:
            queue.confirmations.notify_all()
        limit = min(max(params.optional_int("limit") or 100, 1), 100)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(params.optional_float("timeout") or 0.0, 0.0)
        while not (batch := queue.take(limit)) and not queue.closing:
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            if await queue.park(remaining) == "conflict":
                raise ApiError(409, CONFLICT)
        return batch

    async def api_sendMessage(self, params: _Params) -> JSON:
        chat = self._chat(params.chat_id())
        formatted = self._format(params, "text", MAX_TEXT)
        markup = check_markup(params.get("reply_markup"), private=chat["type"] == "private")
        message = self._store(
            chat,
            kind="text",
            text=formatted.text,
            entities=formatted.entities,
            source=params.get("text"),
            parse_mode=params.get("parse_mode"),
            reply_markup=markup,
            reply_to_message=self._reply_target(params, chat["id"]),
            link_preview_options=params.get("link_preview_options"),
        )
        return message.to_api(self.bot_user)

    async def api_sendPoll(self, params: _Params) -> JSON:
        """A poll or quiz, checked as Telegram checks it (lengths, option count, a quiz's answer)."""
        chat = self._chat(params.chat_id())
        question = str(params.required("question"))
        if not 1 <= len(question) <= POLL_QUESTION:
            raise bad_request("POLL_QUESTION_INVALID")
        options = [
            str(o.get("text", "")) if isinstance(o, dict) else str(o) for o in params.get("options") or []
        ]
        if not POLL_OPTIONS[0] <= len(options) <= POLL_OPTIONS[1]:
            raise bad_request("POLL_OPTIONS_COUNT_INVALID" if options else "poll must have at least 2 option")
        if any(not 1 <= len(option) <= POLL_OPTION for option in options):
            raise bad_request("POLL_OPTION_INVALID")
        kind = params.get("type") or "regular"
        # Bot API 9.6 takes correct_option_ids (a list); the single correct_option_id still works.
        ids = params.get("correct_option_ids")
        correct = (
            ids[0] if isinstance(ids, list) and len(ids) == 1 else params.optional_int("correct_option_id")
        )
        if isinstance(ids, list) and len(ids) > 1:
            raise bad_request("a quiz has exactly one correct option")
        if kind == "quiz" and (correct is None or not 0 <= correct < len(options)):
            raise bad_request(
                "wrong correct option ID specified" if correct is not None else "QUIZ_CORRECT_ANSWERS_EMPTY"
            )
        explanation = params.get("explanation")
        if explanation is not None and len(str(explanation)) > POLL_EXPLANATION:
            raise bad_request("QUIZ_EXPLANATION_TOO_LONG")
        poll = {
            "id": secrets.token_hex(8),
            "question": question,
            # persistent_id: Bot API 9.6 names each option for good (options can be added later).
            "options": [
                {"text": option, "voter_count": 0, "persistent_id": f"o{number}"}
                for number, option in enumerate(options)
            ],
            "total_voter_count": 0,
            "is_closed": False,
            "is_anonymous": params.get("is_anonymous", True) not in (False, "false"),
            "type": kind,
            "allows_multiple_answers": kind == "regular" and params.get("allows_multiple_answers") is True,
            "allows_revoting": kind != "quiz",  # a quiz answer is final
            "members_only": False,  # Bot API 10.0: voting not limited to long-standing members
        }
        if kind == "quiz":
            poll["correct_option_ids"] = [correct]
            if explanation:
                poll["explanation"] = str(explanation)
        markup = check_markup(params.get("reply_markup"), private=chat["type"] == "private")
        message = self._store(
            chat,
            kind="poll",
            file=poll,
            reply_markup=markup,
            reply_to_message=self._reply_target(params, chat["id"]),
        )
        return message.to_api(self.bot_user)

    async def api_stopPoll(self, params: _Params) -> JSON:
        """Close the bot's poll for good and return it; like an edit, the keyboard is what is sent."""
        chat = self._chat(params.chat_id())
        message = self._sent.get(chat["id"], {}).get(params.integer("message_id"))
        if message is None:
            raise bad_request("message with poll to stop not found")
        poll = message.poll
        if poll is None:
            raise bad_request("message is not a poll")
        if poll["is_closed"]:
            raise bad_request("poll has already been closed")
        message.reply_markup = _edit_markup(params)
        poll["is_closed"] = True
        return copy.deepcopy(poll)

    async def api_editMessageText(self, params: _Params) -> JSON:
        message = self._editable(params)
        if message.kind != "text":
            raise bad_request("there is no text in the message to edit")
        formatted = self._format(params, "text", MAX_TEXT)
        markup = _edit_markup(params)
        changed = self._edited(message, text=formatted.text, entities=formatted.entities, reply_markup=markup)
        message.source = params.get("text")
        message.parse_mode = params.get("parse_mode")
        message.link_preview_options = params.get("link_preview_options")
        return changed

    async def api_editMessageCaption(self, params: _Params) -> JSON:
        message = self._editable(params)
        if message.kind == "text":
            raise bad_request("there is no caption in the message to edit")
        formatted = self._format(params, "caption", MAX_CAPTION)
        markup = _edit_markup(params)
        changes = {"caption": formatted.text or None, "entities": formatted.entities, "reply_markup": markup}
        changed = self._edited(message, **changes)
        message.source = params.get("caption")
        message.parse_mode = params.get("parse_mode")
        return changed

    async def api_editMessageReplyMarkup(self, params: _Params) -> JSON:
        message = self._editable(params)
        return self._edited(message, reply_markup=_edit_markup(params))

    async def api_deleteMessage(self, params: _Params) -> bool:
        chat_id = self._chat(params.chat_id())["id"]
        message_id = params.integer("message_id")
        sent = self._sent.get(chat_id, {}).pop(message_id, None)
        if sent is None and self._received.get(chat_id, {}).pop(message_id, None) is None:
            raise bad_request("message to delete not found")
        return True

    async def api_sendAudio(self, params: _Params) -> JSON:
        return await self._send_media(params, "audio", "sendAudio")

    async def api_sendDocument(self, params: _Params) -> JSON:
        return await self._send_media(params, "document", "sendDocument")

    async def api_sendVoice(self, params: _Params) -> JSON:
        return await self._send_media(params, "voice", "sendVoice")

    async def api_sendPhoto(self, params: _Params) -> JSON:
        return await self._send_media(params, "photo", "sendPhoto")

    async def api_getFile(self, params: _Params) -> JSON:
        stored = self._files.get(str(params.required("file_id")))
        if stored is None:
            raise bad_request(WRONG_FILE)
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
            "file_path": stored.path,
        }

    async def api_sendChatAction(self, params: _Params) -> bool:
        self._chat(params.chat_id())
        if params.get("action") not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    async def api_answerCallbackQuery(self, params: _Params) -> bool:
        """A query can be answered once; Telegram refuses unknown and already answered ones alike."""
        query_id = str(params.required("callback_query_id"))
        if query_id not in self._open_queries:
            raise bad_request(QUERY_INVALID)
        if len(str(params.get("text") or "")) > MAX_CALLBACK_ANSWER:
            raise bad_request("MESSAGE_TOO_LONG")
        del self._open_queries[query_id]
        self.callback_answers.append(dict(params.values))
        return True

    async def api_getChat(self, params: _Params) -> JSON:
        chat = self._chat(params.chat_id())
        gifts = ("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription")
        accepted = dict.fromkeys((*gifts, "gifts_from_channels"), False)
        return chat | {"accent_color_id": 0, "max_reaction_count": 11, "accepted_gift_types": accepted}

    async def api_getChatMember(self, params: _Params) -> JSON:
        chat_id = self._chat(params.chat_id())["id"]
        user_id = params.integer("user_id")
        return _member(self._user(user_id), self._members.get((chat_id, user_id), "member"))

    async def api_getChatAdministrators(self, params: _Params) -> list[JSON]:
        chat = self._chat(params.chat_id())
        if chat["type"] == "private":
            raise bad_request("there are no administrators in the private chat")
        admins = [(user, status) for (c, user), status in self._members.items() if c == chat["id"]]
        return [_member(self._user(user), status) for user, status in admins if status in ADMIN_STATUSES]

    def _user(self, user_id: int) -> JSON:
        if user_id == self.bot_id:
            return self.bot_user
        return self._users.get(user_id) or {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"}

    async def api_setMyCommands(self, params: _Params) -> bool:
        commands = params.get("commands") or []
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request(
                "BOT_COMMANDS_TOO_MUCH" if isinstance(commands, list) else "commands is invalid"
            )
        for command in commands:
            if not BOT_COMMAND_NAME.fullmatch(str(command.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        key = _commands_key(params.get("scope"), params.get("language_code"))
        self._commands[key] = [{"command": c["command"], "description": c["description"]} for c in commands]
        return True

    async def api_getMyCommands(self, params: _Params) -> list[JSON]:
        return self.commands(params.get("scope"), params.get("language_code") or "")

    async def api_deleteMyCommands(self, params: _Params) -> bool:
        self._commands.pop(_commands_key(params.get("scope"), params.get("language_code")), None)
        return True

    async def api_setMyDescription(self, params: _Params) -> bool:
        return self._set_description(params, "description", 512)

    async def api_setMyShortDescription(self, params: _Params) -> bool:
        return self._set_description(params, "short_description", 120)

    async def api_getMyDescription(self, params: _Params) -> JSON:
        return {"description": self.descriptions.get(("description", params.get("language_code") or ""), "")}

    async def api_getMyShortDescription(self, params: _Params) -> JSON:
        key = ("short_description", params.get("language_code") or "")
        return {"short_description": self.descriptions.get(key, "")}

    def _set_description(self, params: _Params, kind: str, limit: int) -> bool:
        text = str(params.get(kind) or "")
        if len(text) > limit:
            raise bad_request(f"{kind.replace('_', ' ')} is too long")
        self.descriptions[(kind, params.get("language_code") or "")] = text
        return True


API_METHODS: dict[str, str] = {
    name.removeprefix("api_").lower(): name.removeprefix("api_")
    for name in vars(FakeTelegramServer)
    if name.startswith("api_")
}


def _edit_markup(params: _Params) -> JSON | None:
    """Edits take an inline keyboard or none (which removes the old one); reply keyboards are refused."""
    chat_id = _chat_key(params.values.get("chat_id"))
    private = not isinstance(chat_id, int) or chat_id > 0  # an inline message's chat is not known here
    markup = check_markup(params.get("reply_markup"), private=private)
    if markup is not None and inline_keyboard(markup) is None:
        raise bad_request("inline keyboard expected")
    return markup


def _commands_key(scope: JSON | None, language_code: str | None) -> tuple[str, str]:
    return json.dumps(scope or {"type": "default"}, sort_keys=True), language_code or ""


def _matcher(what: str | Callable[[Call], bool]) -> Callable[[Call], bool]:
    if callable(what):
        return what
    name = what.lower()
    return lambda call: call.method.lower() == name


def _default_description(status: int, retry_after: int | None) -> str:
    return {
        400: "Bad Request",
        401: "Unauthorized",
        403: "Forbidden: bot was blocked by the user",
        404: "Not Found",
        409: "Conflict",
        429: f"Too Many Requests: retry after {retry_after}",
        500: "Internal Server Error",
        502: "Bad Gateway",
    }.get(status, "Error")
