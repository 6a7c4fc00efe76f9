"""The sources file: the shipped example reads and follows nothing; mistakes are named, all at once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from lessons.following.config import FollowedSource, PostFilter, SourcesFileError, load_sources
from lessons.post import Paragraph, Post

SHIPPED = Path(__file__).parent.parent.parent / "config" / "sources.toml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def post(text: str, title: str | None = None) -> Post:
    return Post(
        id="blog-example-com-a",
        kind="article",
        author="A",
        date=dt.date(2026, 1, 5),
        source="https://example.com/a",
        title=title,
        added=dt.date(2026, 1, 6),
        paragraphs=(Paragraph(en=text),),
    )


def test_the_shipped_example_names_real_builder_feeds_and_enables_none() -> None:
    sources = load_sources(SHIPPED)
    by_name = {source.name: source for source in sources}
    assert by_name["simonwillison"].url == "https://simonwillison.net/atom/everything/"
    assert by_name["karpathy-blog"].url == "https://karpathy.github.io/feed.xml"
    assert by_name["karpathy-checkout"].kind == "markdown"
    assert any("youtube.com/feeds/videos.xml?channel_id=" in (s.url or "") for s in sources)
    assert {"lilianweng", "paulgraham", "oneusefulthing"} <= set(by_name)
    assert not any(source.enabled for source in sources)
    assert all(source.author for source in sources)


def test_a_feed_and_a_folder_source_with_a_filter(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
[[source]]
name = "simon"
kind = "feed"
url = "https://simonwillison.net/atom/everything/"
author = "Simon Willison"
enabled = true
filter = { min_words = 200, keywords = ["LLM"] }

[[source]]
name = "blog"
kind = "markdown"
path = "blogs/me"
author = "Me"
""",
    )
    simon, blog = load_sources(path)
    assert simon == FollowedSource(
        name="simon",
        kind="feed",
        url="https://simonwillison.net/atom/everything/",
        author="Simon Willison",
        enabled=True,
        filter=PostFilter(min_words=200, keywords=("LLM",)),
    )
    assert (blog.kind, blog.path, blog.enabled, blog.location) == (
        "markdown",
        Path("blogs/me"),
        False,
        "blogs/me",
    )


def test_every_mistake_is_named_with_its_source(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
[[source]]
name = "Bad Name"
kind = "feed"
url = "https://a.example/feed"
author = "A"

[[source]]
name = "nourl"
kind = "feed"
author = "B"

[[source]]
name = "twice"
kind = "rss"
url = "https://c.example/feed"
author = "C"
colour = "red"

[[source]]
name = "folder"
kind = "markdown"
url = "https://d.example/"
author = "D"

[[source]]
name = "ok"
kind = "feed"
url = "ftp://e.example/feed"
author = "E"
""",
    )
    with pytest.raises(SourcesFileError) as raised:
        load_sources(path)
    message = str(raised.value)
    assert message.startswith("来源文件有误")
    assert "source #1 (Bad Name): name:" in message
    assert 'source #2 (nourl): a feed source needs url = "https://…"' in message
    assert "source #3 (twice): kind:" in message and "source #3 (twice): colour: unknown key" in message
    assert "source #4 (folder): a markdown source needs path" in message
    assert "source #5 (ok): url must be an http(s) address" in message


def test_a_name_used_twice_and_unreadable_files(tmp_path: Path) -> None:
    twice = '[[source]]\nname = "a"\nkind = "feed"\nurl = "https://a.example/f"\nauthor = "A"\n'
    with pytest.raises(SourcesFileError, match="name 'a' is used twice"):
        load_sources(write(tmp_path, twice * 2))
    with pytest.raises(SourcesFileError, match="找不到来源文件 sources file not found"):
        load_sources(tmp_path / "missing.toml")
    with pytest.raises(SourcesFileError, match="cannot read"):
        load_sources(write(tmp_path, "[[source]\n"))
    with pytest.raises(SourcesFileError, match="unknown key sources"):
        load_sources(write(tmp_path, "[[sources]]\nname = 'a'\n"))
    assert load_sources(write(tmp_path, "# nothing followed yet\n")) == []


def test_the_filter_keeps_long_enough_posts_on_its_topics() -> None:
    text = "We rebuilt the agents framework. It took three weeks of evenings and one long weekend."
    assert PostFilter().rejects(post(text)) is None
    assert PostFilter(min_words=5).rejects(post(text)) is None
    assert "min_words (15 < 50 words)" in (PostFilter(min_words=50).rejects(post(text)) or "")
    assert PostFilter(keywords=("agent",)).rejects(post(text)) is None, "a keyword matches a word's start"
    assert PostFilter(keywords=("AGENTS",)).rejects(post(text)) is None, "in any case"
    assert PostFilter(keywords=("LLM",)).rejects(post(text, title="My LLM notes")) is None, "titles count"
    assert "none of this source's keywords (gents, LLM)" in (
        PostFilter(keywords=("gents", "LLM")).rejects(post(text)) or ""
    ), "not inside a word"
