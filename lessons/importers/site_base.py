"""What the Jekyll and Hugo readers share: the site interface, config files, dates and URL joining.

A blog checked out as a folder rarely writes a post's URL in the post: the
generator derives it from the site's config and the file's place and name.
Each generator has its own module; this one holds the few things both need,
so neither imports the other.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

import yaml

from lessons.importers.ids import is_absolute_http_url
from lessons.text import normalize_space

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# Jekyll's own `date: 2024-03-05 10:00:00 +0800` is not a YAML timestamp (the
# offset has no colon), so it reaches us as a string; Hugo's YAML and TOML
# dates may too.
_DATE_TEXT = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[Tt ]+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?)?"
    r"\s*(Z|UTC|[+-]\d{1,2}(?::?\d{2})?)?$"
)
# The characters a URL path keeps as they are (RFC 3986 pchar and "/"); a
# `%` stays so that an already escaped path is not escaped twice.
_PATH_SAFE = "/:@!$&'()*+,;=~%"


class SiteError(ValueError):
    """The site cannot give a post its URL; the message says what was looked for."""


class Site(Protocol):
    """A static site generator's view of a checkout: which files are posts, at which URL, by whom."""

    root: Path
    config: Path

    def excludes(self, file: Path) -> str | None:
        """Why the site does not publish `file` as a post, or None when it does."""
        ...

    def url(self, file: Path, metadata: Mapping[str, Any]) -> str:
        """The post's absolute URL, or SiteError saying what is missing."""
        ...

    def author(self, file: Path, metadata: Mapping[str, Any]) -> str | None:
        """Who the site credits for the post: the post's own author, else the site's."""
        ...


def read_mapping(path: Path) -> dict[str, Any]:
    """A YAML, TOML or JSON config file as a mapping; SiteError when it is not one."""
    try:
        text = path.read_text(encoding="utf-8-sig")
        if path.suffix == ".toml":
            data = tomllib.loads(text)
        elif path.suffix == ".json":
            data = json.loads(text)
        else:
            data = yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise SiteError(f"cannot read {path}: {reason}") from error
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise SiteError(f"cannot read {path}: it is not a mapping of settings")
    return data


def deep_merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """`over` on top of `base`, merging nested mappings the way both generators merge settings."""
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def post_datetime(value: object) -> dt.datetime | None:
    """A front matter date as a datetime (aware when the post gave an offset); None when absent."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    match = _DATE_TEXT.match(str(value).strip())
    try:
        if match is None:
            raise ValueError(value)
        year, month, day, hour, minute, second = (int(part or 0) for part in match.groups()[:6])
        return dt.datetime(year, month, day, hour, minute, second, tzinfo=_offset(match.group(7)))
    except ValueError as error:
        raise SiteError(f"front matter date is not a date (YYYY-MM-DD): {value!r}") from error


def _offset(text: str | None) -> dt.timezone | None:
    if not text:
        return None
    if text in ("Z", "UTC"):
        return dt.UTC
    digits = text[1:].replace(":", "")
    hours, minutes = (int(digits[:-2]), int(digits[-2:])) if len(digits) > 2 else (int(digits), 0)
    sign = -1 if text[0] == "-" else 1
    return dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))


def absolute_url(base: str, path: str) -> str:
    """The site's base URL (with any path it has) followed by a post's escaped path."""
    return base.rstrip("/") + "/" + escape_path(path).lstrip("/")


def escape_path(path: str) -> str:
    """Percent-escape what a URL path cannot hold (spaces, `?`, `#`, non-ASCII letters)."""
    return quote(path, safe=_PATH_SAFE)


def http_base(value: object) -> str | None:
    """A configured base URL when it is an absolute http(s) URL, else None."""
    text = value.strip() if isinstance(value, str) else ""
    return text if text and is_absolute_http_url(text) else None


def author_name(value: object) -> str | None:
    """An author as blogs write one: a name, `{name: ...}`, or a list of either."""
    if isinstance(value, list):
        names = [name for name in (author_name(item) for item in value) if name]
        return ", ".join(names) or None
    if isinstance(value, Mapping):
        return author_name(value.get("name"))
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return normalize_space(str(value)) or None
    return None


def is_word_char(char: str) -> bool:
    """A letter, mark or decimal digit of any script: what both generators keep in a slug."""
    category = unicodedata.category(char)
    return category[0] in "LM" or category == "Nd"


def text_value(value: object) -> str | None:
    """A setting or front matter value as stripped text, or None when it is not a scalar."""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return str(value).strip() or None
    return None
