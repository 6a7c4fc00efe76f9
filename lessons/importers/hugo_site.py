"""Hugo: a page's URL from the site config, the page's place under `content/` and its front matter.

Hugo publishes `content/posts/my-post.md` at `<baseURL>/posts/my-post/` unless
the front matter sets `url` or `slug`, or `[permalinks]` gives the section a
pattern such as `posts = "/:year/:month/:slug/"`. A page bundle
(`posts/my-post/index.md`) is named by its folder. Paths are sanitized and
lowercased as Hugo does (`Vim (text editor)` → `vim-text-editor`). This
module repeats that, following Hugo's `resources/page/permalinks.go` and
`page_paths.go`, so the import lands on the URL the site's readers and feed use.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from lessons.importers.hugo_config import config_files, load_config, lowercase_keys
from lessons.importers.hugo_permalinks import DATE_KEYS, PageFacts, expand, sanitize
from lessons.importers.site_base import (
    SiteError,
    absolute_url,
    author_name,
    deep_merge,
    http_base,
    post_datetime,
    text_value,
)

_NAMED_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})-(.+)$")


def find_hugo(folder: Path) -> HugoSite | None:
    """The Hugo site configured in `folder`, or None (a config file alone, without content, is not one)."""
    files = config_files(folder)
    if not files:
        return None
    site = HugoSite(folder, files[0], load_config(folder, files))
    return site if any(content.folder.is_dir() for content in site.content_dirs) else None


@dataclass(frozen=True)
class _Content:
    """A folder whose files are pages: `content/`, a language's `contentDir`, or a module mount."""

    folder: Path
    language: str
    target: tuple[str, ...] = ()  # where a mount puts the folder's files in the content tree


@dataclass(frozen=True)
class _Place:
    """Where a page sits: its content folder, the folders below it, its name and language."""

    content: _Content
    dirs: tuple[str, ...]  # a bundle's own folder is its name, not one of these
    name: str  # the file name without extension and language, or a bundle's folder
    language: str


@dataclass(frozen=True)
class _Page:
    place: _Place
    meta: dict[str, Any]  # front matter, keys lowercased
    facts: PageFacts


class HugoSite:
    """A Hugo checkout: config at `root`, pages under `content/` (or `contentDir`)."""

    def __init__(self, root: Path, config: Path, settings: dict[str, Any]) -> None:
        self.root, self.config = root, config
        self._settings = settings
        self._default_language = (text_value(settings.get("defaultcontentlanguage")) or "en").lower()
        self.content_dirs = self._content_dirs()

    def excludes(self, file: Path) -> str | None:
        place = self._locate(file)
        if place is None:
            folders = ", ".join(str(content.folder) for content in self.content_dirs)
            return f"{self.config} is a Hugo site, which publishes pages only from {folders}"
        if file.name.startswith("_index."):
            return "an `_index` file is a section's list page, not a post"
        if not place.dirs:
            return (
                f"{file.name} is a page at the top of {place.content.folder} (like an about page), not a post"
            )
        main = self._main_sections()
        if main and place.dirs[0].lower() not in main:
            listed = ", ".join(main)
            return f"{self.config} names its post sections (mainSections: {listed}), not {place.dirs[0]}"
        return None

    def url(self, file: Path, metadata: Mapping[str, Any]) -> str:
        page = self._page(file, metadata)
        settings = self._language_settings(page.place.language)
        link = self._link(page, settings)
        base = http_base(settings.get("baseurl"))
        if base is None:
            raise SiteError(f"{self.config} has no absolute `baseURL` to put before the page's path {link}")
        return absolute_url(base, link)

    def author(self, file: Path, metadata: Mapping[str, Any]) -> str | None:
        meta = lowercase_keys(dict(metadata))
        for value in (meta.get("author"), meta.get("authors"), _mapping(meta.get("params")).get("author")):
            if author_name(value):
                return author_name(value)
        language = self._place(file).language if self.excludes(file) is None else self._default_language
        settings = self._language_settings(language)
        params = _mapping(settings.get("params"))
        return author_name(params.get("author")) or author_name(settings.get("author"))

    def _content_dirs(self) -> list[_Content]:
        """Each content folder, deepest first.

        Module mounts onto `content` replace the default folder, as in Hugo; without
        them a language may have its own `contentDir` beside the main one.
        """
        mounts = _mapping(self._settings.get("module")).get("mounts")
        mounted = [self._mounted(m) for m in mounts if _mounts_content(m)] if isinstance(mounts, list) else []
        dirs = mounted or self._language_dirs()
        return sorted(dirs, key=lambda content: len(content.folder.parts), reverse=True)

    def _language_dirs(self) -> list[_Content]:
        main = text_value(self._settings.get("contentdir")) or "content"
        dirs = [_Content(self.root / main, self._default_language)]
        for language, conf in _mapping(self._settings.get("languages")).items():
            folder = text_value(_mapping(conf).get("contentdir"))
            if folder:
                dirs.append(_Content(self.root / folder, str(language).lower()))
        return dirs

    def _mounted(self, mount: Mapping[str, Any]) -> _Content:
        """A `[[module.mounts]]` entry whose target is `content` (or a folder in it)."""
        languages = _mapping(_mapping(mount.get("sites")).get("matrix")).get("languages")
        only = languages[0] if isinstance(languages, list) and len(languages) == 1 else None
        language = text_value(mount.get("lang")) or text_value(only) or self._default_language
        target = PurePosixPath(str(mount["target"])).parts[1:]
        return _Content(self.root / str(mount["source"]), language.lower(), target)

    def _content_of(self, file: Path) -> _Content | None:
        return next((content for content in self.content_dirs if file.is_relative_to(content.folder)), None)

    def _main_sections(self) -> list[str]:
        """The sections a theme lists posts from (`params.mainSections`); empty when not set."""
        sections = _mapping(self._settings.get("params")).get("mainsections")
        sections = self._settings.get("mainsections") if sections is None else sections
        sections = [sections] if isinstance(sections, str) else sections
        return [str(s).strip("/").lower() for s in sections] if isinstance(sections, list) else []

    def _place(self, file: Path) -> _Place:
        reason = self.excludes(file)
        place = self._locate(file)
        if reason or place is None:
            raise SiteError(reason or f"{file} is not in {self.root}")
        return place

    def _locate(self, file: Path) -> _Place | None:
        content = self._content_of(file)
        if content is None:
            return None
        parts = file.relative_to(content.folder).parts
        language, stem, dirs = content.language, Path(parts[-1]).stem, content.target + parts[:-1]
        base, _, suffix = stem.rpartition(".")
        if base and suffix.lower() in self._languages():
            stem, language = base, suffix.lower()
        if stem == "index" and dirs:
            return _Place(content, dirs[:-1], dirs[-1], language)
        return _Place(content, dirs, stem, language)

    def _languages(self) -> set[str]:
        return {str(key).lower() for key in _mapping(self._settings.get("languages"))} | {
            self._default_language
        }

    def _language_settings(self, language: str) -> dict[str, Any]:
        """The settings as one language sees them: its `[languages.xx]` block over the rest."""
        conf = _mapping(self._settings.get("languages")).get(language)
        return deep_merge(self._settings, conf) if isinstance(conf, Mapping) else self._settings

    def _page(self, file: Path, metadata: Mapping[str, Any]) -> _Page:
        place = self._place(file)
        meta = lowercase_keys(dict(metadata))
        date, named_slug = self._date(meta, place, file)
        slug = text_value(meta.get("slug")) or named_slug
        facts = PageFacts(self._sections(place), place.name, slug, text_value(meta.get("title")), date)
        return _Page(place, meta, facts)

    def _date(self, meta: dict[str, Any], place: _Place, file: Path) -> tuple[dt.datetime | None, str | None]:
        """The page date by the config's `[frontmatter] date` handlers; `:filename` also gives a slug."""
        handlers = _mapping(self._settings.get("frontmatter")).get("date", [":default"])
        for handler in handlers if isinstance(handlers, list) else [handlers]:
            key = str(handler).lower()
            if key == ":filename" and (named := _NAMED_DATE.match(place.name)):
                return dt.datetime(*(int(part) for part in named.groups()[:3])), named.group(4)
            if key == ":filemodtime":
                return dt.datetime.fromtimestamp(file.stat().st_mtime), None
            keys = DATE_KEYS if key == ":default" else () if key.startswith(":") else (key,)
            date = next((d for d in (post_datetime(meta.get(k)) for k in keys) if d), None)
            if date:
                return date, None
        return None, None

    def _link(self, page: _Page, settings: Mapping[str, Any]) -> str:
        """The page's path on the site, as Hugo's CreateTargetPaths builds its link."""
        url = text_value(page.meta.get("url"))
        if url:
            return self._url_link(url, page, settings)
        pattern = self._pattern(page, settings)
        if pattern is not None:
            path = posixpath.normpath(expand(pattern, page.facts, settings))
        else:
            path = "/".join([*page.place.dirs, page.facts.slug or page.place.name])
        elements = [sanitize(part, settings) for part in path.split("/") if part not in ("", ".")]
        ending = ".html" if self._ugly(page, settings) else "/"
        link = "/" + "/".join(elements) + ending if elements else "/"
        return self._prefix(page.place.language, settings) + link

    def _url_link(self, url: str, page: _Page, settings: Mapping[str, Any]) -> str:
        """Front matter `url`: used as written (tokens expanded), a directory unless it names a file."""
        if ":" in url:
            url = expand(url, page.facts, settings)
        path = "/" + "/".join(part for part in url.split("/") if part)
        if url.endswith("/") or "." not in url:
            path = path.rstrip("/") + "/"
        prefix = self._prefix(page.place.language, settings)
        if url.startswith("/") or not prefix or path.startswith(prefix + "/"):
            return path
        return prefix + path

    def _pattern(self, page: _Page, settings: Mapping[str, Any]) -> str | None:
        """The `[permalinks]` pattern of the page's section (the most specific one that matches)."""
        config = settings.get("permalinks")
        if config is None:
            return None
        if not isinstance(config, Mapping):
            raise SiteError(f"{self.config}: `permalinks` written as a list is not read here; give `url`")
        path = "/".join([*page.place.dirs, page.place.name]).lower()
        best: tuple[int, int, str] | None = None
        for section, pattern, rank in _page_patterns(config):
            key = section.strip(" /").lower()
            if (path.startswith(key + "/") if key else not page.place.dirs) and (
                best is None or (len(key), rank) > best[:2]
            ):
                best = (len(key), rank, pattern)
        return best[2] if best else None

    def _sections(self, place: _Place) -> tuple[str, ...]:
        """The page's section path: a top folder, and deeper folders only if they hold an `_index`."""
        deepest = 1 if place.dirs else 0
        mounted = len(place.content.target)
        for depth in range(max(2, mounted + 1), len(place.dirs) + 1):
            if any(place.content.folder.joinpath(*place.dirs[mounted:depth]).glob("_index.*")):
                deepest = depth
        return place.dirs[:deepest]

    def _ugly(self, page: _Page, settings: Mapping[str, Any]) -> bool:
        ugly = settings.get("uglyurls")
        if isinstance(ugly, Mapping):
            return ugly.get(page.place.dirs[0].lower() if page.place.dirs else "") is True
        return ugly is True

    def _prefix(self, language: str, settings: Mapping[str, Any]) -> str:
        """`/fr` for a page in another language than the default (or always, `…InSubdir`)."""
        own = _mapping(_mapping(self._settings.get("languages")).get(language))
        if "baseurl" in own:
            return ""
        in_subdir = settings.get("defaultcontentlanguageinsubdir") is True
        return "" if language == self._default_language and not in_subdir else f"/{language}"


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _mounts_content(mount: object) -> bool:
    if not isinstance(mount, Mapping) or not text_value(mount.get("source")):
        return False
    target = PurePosixPath(str(mount.get("target", "")).strip("/")).parts
    return bool(target) and target[0] == "content"


def _page_patterns(config: Mapping[str, Any]) -> Iterator[tuple[str, str, int]]:
    """(section, pattern, rank): `posts = "…"`, and `[permalinks.page] posts = "…"` ranked above it."""
    for key, value in config.items():
        if isinstance(value, str):
            yield str(key), value, 0
        elif key == "page" and isinstance(value, Mapping):
            yield from ((str(k), v, 1) for k, v in value.items() if isinstance(v, str))
