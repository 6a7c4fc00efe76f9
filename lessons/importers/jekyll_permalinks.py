"""Jekyll's permalinks: the built-in styles, the placeholders a pattern may name, and slugs.

Follows Jekyll 4's `url.rb` (filling a pattern and cleaning the result),
`drops/url_drop.rb` (what each placeholder means) and `utils.rb` (slugify),
so that a post imported from a checkout gets the URL Jekyll gives it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePath
from urllib.parse import quote

from lessons.importers.site_base import MONTHS, WEEKDAYS, SiteError, is_word_char

STYLES = {
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "weekdate": "/:categories/:year/W:week/:short_day/:title:output_ext",
    "none": "/:categories/:title:output_ext",
}
# Keys may hold underscores (`:i_month`); `:month_:day` is `:month` then `_`.
_PLACEHOLDER = re.compile(r":([a-z_]+)")
_PLAIN_VALUE = re.compile(r"^[a-zA-Z0-9./-]+$")
_PRETTY_KEPT = frozenset("._~!$&'()+,;=@")


@dataclass(frozen=True)
class PostFacts:
    """One post as Jekyll's URL drop sees it."""

    parts: tuple[str, ...]  # its path under the site (or `collections_dir`), file name last
    date: dt.datetime  # in the site's timezone
    slug: str  # front matter `slug`, else the file name's
    categories: tuple[str, ...]


def template_for(style: str) -> str:
    """A permalink setting as a pattern: a built-in style's, or the custom pattern itself."""
    return STYLES.get(style, style)


def placeholders(post: PostFacts) -> dict[str, str]:
    """Each placeholder's value for one post (Jekyll's UrlDrop)."""
    file = PurePath(post.parts[-1])
    date = post.date
    iso_year, iso_week, iso_day = date.isocalendar()
    relative = "/".join(post.parts)
    return {
        "year": f"{date.year:04d}",
        "short_year": f"{date.year % 100:02d}",
        "month": f"{date.month:02d}",
        "i_month": str(date.month),
        "short_month": MONTHS[date.month - 1][:3],
        "long_month": MONTHS[date.month - 1],
        "day": f"{date.day:02d}",
        "i_day": str(date.day),
        "y_day": f"{date.timetuple().tm_yday:03d}",
        "w_year": str(iso_year),
        "week": f"{iso_week:02d}",
        "w_day": str(iso_day),
        "short_day": WEEKDAYS[date.weekday()][:3],
        "long_day": WEEKDAYS[date.weekday()],
        "hour": f"{date.hour:02d}",
        "minute": f"{date.minute:02d}",
        "second": f"{date.second:02d}",
        "title": slugify(post.slug, pretty=True, cased=True),
        "slug": slugify(post.slug),
        "name": slugify(file.stem),
        "categories": "/".join(dict.fromkeys(c.lower() for c in post.categories)),
        "slugified_categories": "/".join(dict.fromkeys(slugify(c) for c in post.categories)),
        "path": relative[: -len(file.suffix) or None].replace("_posts", "", 1).rstrip("."),
        "collection": "posts",
        "output_ext": ".html",
    }


def expand(template: str, values: Mapping[str, str]) -> str:
    """Fill a permalink pattern, then clean it as Jekyll's URL#sanitize_url does."""

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        for key in (name, name[:-1]) if name.endswith("_") else (name,):
            if key in values:
                return _escape(values[key]) + name[len(key) :]
        raise SiteError(f"the permalink {template!r} has a placeholder Jekyll does not know: :{name}")

    path = "/" + _PLACEHOLDER.sub(fill, template)
    return re.sub("/+", "/", path.replace("..", "/").replace("./", ""))


def _escape(value: str) -> str:
    if not value or _PLAIN_VALUE.match(value):
        return value
    return quote(value, safe="/:@!$&'()*+,;=")


def slugify(text: str, pretty: bool = False, cased: bool = False) -> str:
    """Jekyll's Utils.slugify: each run of other characters becomes one hyphen.

    The default mode keeps letters, marks and digits (any script) and lowercases;
    `pretty` also keeps `._~!$&'()+,;=@`, and `cased` keeps the case (as `:title` does).
    """
    pieces: list[str] = []
    for char in text:
        if is_word_char(char) or (pretty and char in _PRETTY_KEPT):
            pieces.append(char)
        elif not pieces or pieces[-1] != "\0":
            pieces.append("\0")
    slug = "".join(pieces).replace("\0", "-").removeprefix("-").removesuffix("-")
    return slug if cased else slug.lower()
