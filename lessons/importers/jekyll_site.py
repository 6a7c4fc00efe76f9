"""Jekyll: a post's URL from `_config.yml` and the post's place and name under `_posts/`.

Jekyll writes no URL into a post: it expands the site's permalink pattern
(`permalink: pretty`, or `/:categories/:year/:title/`) with the date and slug
of the file name (`2024-03-05-shipping-small-models.md`), the front matter's
`date`, `slug`, `categories` and `permalink`, and the folders above `_posts/`,
then puts `url` and `baseurl` in front. This module repeats that, following
Jekyll 4 (`lib/jekyll/url.rb`, `drops/url_drop.rb`, `document.rb`,
`frontmatter_defaults.rb`), so that a checked-out blog imports with the URLs
its readers know, the same ones its feed links to.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Mapping
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

from lessons.importers.jekyll_permalinks import PostFacts, expand, placeholders, template_for
from lessons.importers.site_base import (
    SiteError,
    absolute_url,
    author_name,
    deep_merge,
    http_base,
    post_datetime,
    read_mapping,
    text_value,
)

CONFIG_NAMES = ("_config.yml", "_config.yaml", "_config.toml")
_POST_NAME = re.compile(r"^(\d{2,4})-(\d{1,2})-(\d{1,2})-(.*)(\.[^.]+)$")


def find_jekyll(folder: Path) -> JekyllSite | None:
    """The Jekyll site whose config sits in `folder`, or None."""
    config = next((folder / name for name in CONFIG_NAMES if (folder / name).is_file()), None)
    return JekyllSite(folder, config, read_mapping(config)) if config else None


class JekyllSite:
    """A Jekyll checkout: `_config.yml` at `root`, posts in `_posts/` folders below it."""

    def __init__(self, root: Path, config: Path, settings: dict[str, Any]) -> None:
        self.root, self.config = root, config
        self._settings = settings
        self._authors: dict[str, Any] | None = None

    def excludes(self, file: Path) -> str | None:
        parts = self._parts(file)
        if parts is None:
            return f"{self.config} keeps posts under `collections_dir` and the file is not there"
        if "_posts" not in parts[:-1]:
            return f"{self.config} is a Jekyll site, which publishes posts only from `_posts` folders"
        return None

    def url(self, file: Path, metadata: Mapping[str, Any]) -> str:
        reason = self.excludes(file)
        if reason:
            raise SiteError(reason)
        parts = self._parts(file) or ()
        defaults = self._defaults("/".join(parts))
        template = text_value(deep_merge(defaults, metadata).get("permalink")) or self._permalink_template()
        path = expand(template, placeholders(self._post(parts, defaults, metadata)))
        return absolute_url(self._base_url(path), path)

    def author(self, file: Path, metadata: Mapping[str, Any]) -> str | None:
        parts = self._parts(file) or ()
        data = deep_merge(self._defaults("/".join(parts)), metadata)
        own = self._credit(data.get("author")) or self._credit(data.get("authors"))
        return own or self._credit(self._settings.get("author"))

    def _parts(self, file: Path) -> tuple[str, ...] | None:
        parts = file.relative_to(self.root).parts
        collections = tuple(Path(text_value(self._settings.get("collections_dir")) or ".").parts)
        if parts[: len(collections)] != collections:
            return None
        return parts[len(collections) :]

    def _post(
        self, parts: tuple[str, ...], defaults: Mapping[str, Any], front: Mapping[str, Any]
    ) -> PostFacts:
        """The post's date, slug and categories from its file name, front matter and defaults."""
        data = deep_merge(defaults, front)
        named = _POST_NAME.match(parts[-1])
        if named is None:
            raise SiteError(
                f"Jekyll publishes a `_posts` file only when its name starts with a date "
                f"(YYYY-MM-DD-title.md); {parts[-1]!r} does not"
            )
        date = post_datetime(data.get("date")) or _name_date(named)
        slug = text_value(data.get("slug")) or named.group(4).rstrip(".")
        folders = parts[: parts.index("_posts")]
        categories = _categories(folders, defaults, front)
        return PostFacts(parts, self._local(date), slug, categories)

    def _defaults(self, path: str) -> dict[str, Any]:
        """The config's `defaults` that apply to a post at `path`, merged as Jekyll ranks them."""
        merged: dict[str, Any] = {}
        old_scope: Mapping[str, Any] | None = None
        for scope, values in self._matching_defaults(path):
            if _has_precedence(old_scope, scope):
                merged, old_scope = deep_merge(merged, values), scope
            else:
                merged = deep_merge(values, merged)
        return merged

    def _matching_defaults(self, path: str) -> list[tuple[Mapping[str, Any], Mapping[str, Any]]]:
        sets = self._settings.get("defaults")
        matching = []
        for item in sets if isinstance(sets, list) else []:
            if not isinstance(item, Mapping) or not isinstance(item.get("values"), Mapping):
                continue
            scope = item.get("scope") if isinstance(item.get("scope"), Mapping) else {}
            if _applies(scope, path, self._settings.get("collections_dir")):
                matching.append((scope, item["values"]))
        return matching

    def _permalink_template(self) -> str:
        collections = self._settings.get("collections")
        posts = collections.get("posts") if isinstance(collections, Mapping) else None
        style = text_value(posts.get("permalink")) if isinstance(posts, Mapping) else None
        style = style or text_value(self._settings.get("permalink")) or "date"
        return template_for(style)

    def _local(self, date: dt.datetime) -> dt.datetime:
        """The date in the site's `timezone`, as Jekyll renders it (an offset-less date is already)."""
        zone = text_value(self._settings.get("timezone"))
        if not zone or date.tzinfo is None:
            return date
        try:
            return date.astimezone(zoneinfo.ZoneInfo(zone))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
            raise SiteError(f"{self.config}: unknown timezone {zone!r}") from error

    def _base_url(self, path: str) -> str:
        """`url` + `baseurl`; GitHub Pages sites often leave `url` out and name their domain in CNAME."""
        baseurl = (text_value(self._settings.get("baseurl")) or "").strip("/")
        baseurl = f"/{baseurl}" if baseurl else ""
        url = http_base(self._settings.get("url")) or self._cname()
        if url is None:
            raise SiteError(
                f"{self.config} has no absolute `url` (and {self.root} has no CNAME file) "
                f"to put before the post's path {baseurl}{path}"
            )
        return url.rstrip("/") + baseurl

    def _cname(self) -> str | None:
        try:
            domain = (self.root / "CNAME").read_text(encoding="utf-8").strip().splitlines()
        except (OSError, UnicodeDecodeError):
            return None
        return http_base(f"https://{domain[0].strip()}") if domain else None

    def _credit(self, value: object) -> str | None:
        """An author name, looking a key such as `jane` up in `_data/authors.yml` first."""
        if isinstance(value, list):
            return ", ".join(name for name in map(self._credit, value) if name) or None
        key = text_value(value)
        entry = self._author_data().get(key) if key else None
        return author_name(entry) or author_name(value)

    def _author_data(self) -> dict[str, Any]:
        if self._authors is None:
            folder = self.root / (text_value(self._settings.get("data_dir")) or "_data")
            files = [folder / f"authors.{ext}" for ext in ("yml", "yaml", "json")]
            found = next((path for path in files if path.is_file()), None)
            self._authors = read_mapping(found) if found else {}
        return self._authors


def _name_date(named: re.Match[str]) -> dt.datetime:
    year, month, day = (int(part) for part in named.groups()[:3])
    try:
        return dt.datetime(year, month, day)
    except ValueError as error:
        raise SiteError(f"the file name's date is not a date: {named.group(0)!r}") from error


def _categories(
    folders: tuple[str, ...], defaults: Mapping[str, Any], front: Mapping[str, Any]
) -> tuple[str, ...]:
    """Folders above `_posts`, then `categories` (a list, or words in a string), then `category` whole."""
    found = list(folders)
    for data in (defaults, front):
        value = data.get("categories")
        found.extend(str(v) for v in (value.split() if isinstance(value, str) else _items(value)))
    data = {**defaults, **front}
    if data.get("category") is not None:
        found.extend(str(v) for v in _items(data["category"], whole=True))
    return tuple(dict.fromkeys(found))


def _items(value: object, whole: bool = False) -> list[object]:
    if isinstance(value, list):
        return [item for item in value if item is not None]
    return [value] if whole and value is not None else []


def _applies(scope: Mapping[str, Any], path: str, collections_dir: object) -> bool:
    kind = scope.get("type")
    if kind is not None and str(kind) not in ("posts", "post"):
        return False
    wanted = text_value(scope.get("path"))
    if not wanted:
        return True
    prefix = (text_value(collections_dir) or "").strip("/")
    if prefix and wanted.startswith(prefix + "/"):
        wanted = wanted[len(prefix) + 1 :]
    if "*" in wanted:
        ancestors = ["/".join(path.split("/")[: n + 1]) for n in range(path.count("/") + 1)]
        return any(fnmatch(ancestor, wanted.strip("/")) for ancestor in ancestors)
    return path.startswith(wanted.lstrip("/"))


def _has_precedence(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> bool:
    """A longer scope path wins; at equal length a scope naming a type wins."""
    if old is None:
        return True
    new_path, old_path = (text_value(s.get("path")) or "" for s in (new, old))
    if len(new_path) != len(old_path):
        return len(new_path) > len(old_path)
    return "type" in new or "type" not in old
