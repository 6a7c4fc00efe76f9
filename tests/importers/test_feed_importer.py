"""The feed importer on an RSS 2.0 and an Atom feed (each with a broken item) and on non-feeds."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from lessons.importers.base import Entry, EntryError, ImportOptions
from lessons.importers.feed import FeedImporter, html_blocks
from lessons.importers.ids import post_id_for_url
from lessons.post import Post

FIXTURES = Path(__file__).parent.parent / "fixtures" / "feeds"
RSS = FIXTURES / "rss.xml"
ATOM = FIXTURES / "atom.xml"
OPTIONS = ImportOptions(added=dt.date(2024, 7, 1))


def entries_of(path_or_text: Path | str) -> list[Entry]:
    if isinstance(path_or_text, Path):
        return FeedImporter().entries(path_or_text.read_text(encoding="utf-8"), str(path_or_text))
    return FeedImporter().entries(path_or_text, "feed.xml")


def convert(entry: Entry, options: ImportOptions = OPTIONS) -> Post:
    posts = list(FeedImporter().convert(entry, options))
    assert len(posts) == 1
    return posts[0]


def rejection(entry: Entry, options: ImportOptions = OPTIONS) -> EntryError:
    with pytest.raises(EntryError) as caught:
        list(FeedImporter().convert(entry, options))
    return caught.value


def rss(items: str) -> str:
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{items}</channel></rss>'


def test_rss_entries_are_the_items_located_by_line() -> None:
    entries = entries_of(RSS)

    assert [entry.line for entry in entries] == [12, 38, 43]
    assert {entry.origin for entry in entries} == {str(RSS)}


def test_rss_full_item_becomes_an_article_without_code_media_or_scripts() -> None:
    post = convert(entries_of(RSS)[0])

    assert post.id == "blog-janedoe-dev-2024-03-05-shipping-small-models"
    assert post.kind == "article"
    assert post.author == "Jane Doe"
    assert post.handle is None
    assert post.title == "Shipping small models"
    assert str(post.source) == "https://www.janedoe.dev/2024/03/05/shipping-small-models/"
    # 07:30 in UTC+8 is the day before in UTC: the author's own day counts.
    assert post.date == dt.date(2024, 3, 5)
    assert [p.en for p in post.paragraphs] == [
        "Most of what I know about deployment I learned by shipping a tiny model to production "
        "and watching it fail.",
        "Why small models win",
        "Small models are cheap to run and fast to iterate on.\nRead the original paper for the theory.",
        "1. Measure latency on real hardware.\n2. Keep the tokenizer in the same repo.",
        "Log every prompt.\nRead the logs every morning.",
        "The best model is the one you can ship.",
    ]
    assert all(p.zh is None for p in post.paragraphs)
    for gone in ("def predict", "trackPageView", "Latency under load", "latency.png", "<", "fail.1"):
        assert gone not in post.english, gone


def test_rss_item_without_a_date_is_rejected_and_the_others_still_convert() -> None:
    first, undated, tweet = entries_of(RSS)

    error = rejection(undated)

    assert (error.line, error.reason) == (38, "item has no published or updated date")
    assert convert(first).id == "blog-janedoe-dev-2024-03-05-shipping-small-models"
    assert convert(tweet).id == "x-1767000000000000001"


def test_rss_item_linking_to_an_x_status_is_a_post() -> None:
    post = convert(entries_of(RSS)[2])

    assert post.id == "x-1767000000000000001"
    assert post.kind == "post"
    assert post.handle == "janedoe"
    assert post.author == "Jane Doe"  # the feed's managingEditor, without its e-mail address
    assert post.date == dt.date(2024, 3, 11)
    assert [p.en for p in post.paragraphs] == ["Tokenizers are where most multilingual bugs hide."]


def test_atom_entry_pairs_its_translations_and_uses_the_feed_author() -> None:
    entries = entries_of(ATOM)
    post = convert(entries[0])

    assert [entry.line for entry in entries] == [12, 23, 29]
    assert post.id == "blog-liwei-dev-posts-local-first-sync"
    assert post.id == post_id_for_url("https://liwei.dev/posts/local-first-sync/")
    assert post.kind == "article"
    assert post.author == "Li Wei"
    assert post.date == dt.date(2024, 6, 12)  # published wins over updated
    assert post.title == "Local-first sync, explained"
    assert [(p.en, p.zh) for p in post.paragraphs] == [
        (
            "Local-first software keeps your data on your own device and syncs it in the background.",
            "本地优先的软件把数据保存在你自己的设备上，并在后台同步。",
        ),
        (
            "The hard part is merging edits that were made offline on two machines.",
            "难点在于合并在两台机器上离线完成的修改。",
        ),
    ]


def test_atom_entry_without_a_web_link_is_rejected() -> None:
    error = rejection(entries_of(ATOM)[1])

    assert error.line == 23
    assert error.reason == (
        "item link is not an absolute http(s) URL: 'urn:uuid:8f1c2a52-6d1e-4c3b-9a57-1d2e3f4a5b6c'"
    )


def test_atom_plain_text_summary_splits_on_blank_lines_and_entry_author_wins() -> None:
    post = convert(entries_of(ATOM)[2])

    assert post.author == "Guest Writer"
    assert post.date == dt.date(2024, 6, 20)
    assert post.id == "blog-liwei-dev-posts-tests-first"
    assert [p.en for p in post.paragraphs] == [
        "Writing the test first tells me what I am building.",
        "It also tells me when to stop.",
    ]


def test_options_author_and_handle_override_the_feed() -> None:
    options = ImportOptions(added=dt.date(2024, 7, 1), author="Jane D.", handle="@jane")

    post = convert(entries_of(ATOM)[2], options)

    assert (post.author, post.handle) == ("Jane D.", "jane")


def test_item_without_link_or_prose_is_rejected() -> None:
    entries = entries_of(
        rss(
            "<item><title>No link</title><pubDate>Mon, 01 Jan 2024 10:00:00 GMT</pubDate>"
            "<author>a@b.co (Ann)</author><description>Words without a home page.</description></item>"
            "<item><link>https://ann.dev/pic</link><pubDate>Mon, 01 Jan 2024 10:00:00 GMT</pubDate>"
            "<author>a@b.co (Ann)</author>"
            '<description>&lt;figure&gt;&lt;img src="x.png" alt="A photo"&gt;&lt;/figure&gt;'
            "&lt;pre&gt;code only&lt;/pre&gt;</description></item>"
            "<item><link>https://ann.dev/zh</link><pubDate>Mon, 01 Jan 2024 10:00:00 GMT</pubDate>"
            "<author>a@b.co (Ann)</author><description>只有中文的一段话。</description></item>"
            "<item><link>https://ann.dev/ok</link><pubDate>Mon, 01 Jan 2024 10:00:00 GMT</pubDate>"
            "<description>An item whose author is only an address.</description>"
            "<author>ann@ann.dev</author></item>"
        )
    )

    assert [rejection(entry).reason for entry in entries] == [
        "item has no link",
        "item has no prose (only code, images, markup or nothing at all)",
        "item has Chinese text but no English",
        "no author: neither the item nor the feed names one; give one",
    ]
    assert convert(entries[3], ImportOptions(added=dt.date(2024, 7, 1), author="Ann")).author == "Ann"


def test_updated_is_used_when_published_is_missing_in_the_authors_time_zone() -> None:
    [entry] = entries_of(
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><author><name>Bo</name></author>'
        '<entry><title>t</title><link href="https://bo.dev/a"/><id>x</id>'
        "<updated>2024-02-29T23:30:00-05:00</updated><summary>A leap day note for everyone.</summary>"
        "</entry></feed>"
    )

    assert convert(entry).date == dt.date(2024, 2, 29)


def test_a_text_that_is_not_a_feed_is_one_rejected_entry() -> None:
    [entry] = entries_of("Just some notes.\nNot XML at all.")

    error = rejection(entry)

    assert error.reason.startswith("not an RSS/Atom feed: ")
    assert "syntax error" in error.reason


def test_an_html_page_is_not_a_feed() -> None:
    [entry] = entries_of("<html><body><p>Welcome to my blog.</p></body></html>")

    assert rejection(entry).reason == "not an RSS/Atom feed: no <rss>, <feed> or <rdf:RDF> root element"


def test_a_feed_with_no_items_has_no_entries() -> None:
    assert entries_of(rss("")) == []


def test_a_path_like_text_is_parsed_not_opened(tmp_path: Path) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_text(rss("<item><title>x</title></item>"), encoding="utf-8")

    [entry] = entries_of(str(feed))

    assert rejection(entry).reason.startswith("not an RSS/Atom feed: ")


def test_html_blocks_drop_footnotes_and_number_ordered_lists() -> None:
    html = (
        '<p>A claim.<sup id="fnref:1" role="doc-noteref"><a href="#fn:1" class="footnote">1</a></sup>'
        " More text.</p>"
        '<ol start="3"><li>three<ul><li>nested bullet</li></ul></li><li><p>four</p><p>more four</p></li></ol>'
        "<div>Loose text <span>inline</span><p>inner paragraph</p>tail text</div><!-- a comment -->"
        "<style>p { color: red }</style><h3>A heading</h3><hr>"
        '<div class="footnotes" role="doc-endnotes"><ol><li><p>The note. '
        '<a href="#fnref:1" class="reversefootnote">↩</a></p></li></ol></div>'
    )

    assert html_blocks(html) == [
        "A claim. More text.",
        "3. three\nnested bullet\n4. four\nmore four",
        "Loose text inline",
        "inner paragraph",
        "tail text",
        "A heading",
    ]
