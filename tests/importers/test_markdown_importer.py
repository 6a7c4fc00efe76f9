"""The Markdown importer on a real-shaped Jekyll post, a Hugo post, and broken files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from lessons.importers.base import EntryError, ImportOptions
from lessons.importers.ids import post_id_for_url
from lessons.importers.markdown import MarkdownImporter, prose_blocks
from lessons.post import Post

FIXTURES = Path(__file__).parent.parent / "fixtures" / "markdown"
JEKYLL = FIXTURES / "2024-03-05-shipping-small-models.md"
HUGO = FIXTURES / "local-first-sync.md"
ADDED = dt.date(2024, 7, 1)


def convert(text: str, origin: str = "post.md", **options: object) -> list[Post]:
    importer = MarkdownImporter()
    entries = importer.entries(text, origin)
    assert len(entries) == 1
    return list(importer.convert(entries[0], ImportOptions(added=ADDED, **options)))  # type: ignore[arg-type]


def convert_file(path: Path, **options: object) -> Post:
    posts = convert(path.read_text(encoding="utf-8"), str(path), **options)
    assert len(posts) == 1
    return posts[0]


def rejection(text: str, origin: str = "post.md", **options: object) -> EntryError:
    with pytest.raises(EntryError) as caught:
        convert(text, origin, **options)
    return caught.value


def test_jekyll_post_keeps_the_prose_in_reading_order() -> None:
    post = convert_file(JEKYLL)

    assert [p.en for p in post.paragraphs] == [
        "Most of what I know about deployment I learned by shipping a tiny model to production "
        "and watching it fail. This post is the list I wish I had.",
        "Why small models win",
        "Small models are cheap to run, easy to debug, and fast to iterate on. "
        "Read the original paper if you want the theory.",
        "Three things mattered most:",
        "1. Measure latency on real hardware.\n2. Keep the tokenizer in the same repo.\n"
        "3. Ship behind a flag.",
        "And a few smaller habits:",
        "Log every prompt.\nRead the logs every morning.",
        "The best model is the one you can ship.",
        "What I would do again",
        "Start with the smallest model that could possibly work, then grow it only when the numbers say so.",
    ]
    assert all(p.zh is None for p in post.paragraphs)


def test_jekyll_post_drops_code_html_images_footnotes_and_liquid() -> None:
    english = convert_file(JEKYLL).english

    for gone in (
        "def predict",  # fenced code
        "liquid highlighted code",  # {% highlight %} block
        "indented_code",  # indented code
        "latency chart",  # image alt text
        "assets/latency.png",
        "raw HTML",  # HTML block
        "<em>",  # inline HTML tag (its text "every" stays)
        "[^latency]",  # footnote reference
        "p99 latency",  # footnote definition
        "under load",  # its continuation line
        "{%",
        "{{",
        "site.baseurl",
        "benchmark table",  # {% comment %} block
        "TOC",  # kramdown table-of-contents placeholder
        "{:",
        "arxiv.org",  # link target (the link text stays)
        "**",
        "`",
    ):
        assert gone not in english, gone


def test_jekyll_post_metadata_comes_from_front_matter_and_file_name() -> None:
    post = convert_file(JEKYLL)

    assert post.id == "blog-janedoe-dev-2024-03-05-shipping-small-models"
    assert post.kind == "article"
    assert post.author == "Jane Doe"
    assert post.handle == "janedoe"
    assert post.date == dt.date(2024, 3, 5)  # no `date:` key: the Jekyll file name gives it
    assert str(post.source) == "https://www.janedoe.dev/2024/03/05/shipping-small-models/"
    assert post.title == "Shipping small models"
    assert post.added == ADDED


def test_options_override_the_front_matter() -> None:
    post = convert_file(
        JEKYLL,
        author="J. Doe",
        handle="@jd",
        date=dt.date(2024, 3, 6),
        url="https://janedoe.substack.com/p/shipping-small-models",
        title="Small models",
    )

    assert (post.author, post.handle, post.date, post.title) == (
        "J. Doe",
        "jd",
        dt.date(2024, 3, 6),
        "Small models",
    )
    assert post.id == "blog-janedoe-substack-com-p-shipping-small-models"
    assert str(post.source) == "https://janedoe.substack.com/p/shipping-small-models"


def test_hugo_post_with_toml_front_matter_pairs_its_translations() -> None:
    post = convert_file(HUGO)

    assert post.id == "blog-liwei-dev-posts-local-first-sync"
    assert post.date == dt.date(2024, 6, 12)  # local date of 09:30 +08:00, from the front matter
    assert post.author == "Li Wei"
    assert post.handle is None
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
        (
            "CRDTs make that merge automatic, at the cost of some extra metadata.",
            "CRDT 让合并自动完成，代价是多存一些元数据。",
        ),
    ]
    assert "figure" not in post.english  # the Hugo shortcode is gone
    assert post.translated


def test_the_same_post_gets_the_same_id_as_from_its_feed() -> None:
    post = convert_file(JEKYLL)

    assert post.id == post_id_for_url("http://janedoe.dev/2024/03/05/shipping-small-models/#comments")


def test_an_x_status_url_gives_an_x_id() -> None:
    text = (
        "---\ntitle: A thread, as a blog post\ndate: 2024-04-17\nauthor: Andrej Karpathy\n"
        "url: https://twitter.com/karpathy/status/1780730292837507092\n---\n"
        "Consider being a labeler for an LLM and think about what that means.\n"
    )

    [post] = convert(text)

    assert post.id == "x-1780730292837507092"
    assert post.kind == "article"
    assert post.handle == "karpathy"
    assert post.date == dt.date(2024, 4, 17)


def test_author_as_a_list_and_datetime_string_date() -> None:
    text = (
        "---\ndate: '2024-05-01 18:00:00 -0700'\nauthor:\n  - name: Ada\n  - Grace\n"
        "permalink: https://example.com/ada-and-grace\n---\nTwo authors wrote this short post together.\n"
    )

    [post] = convert(text)

    assert post.author == "Ada, Grace"
    assert post.date == dt.date(2024, 5, 1)
    assert post.title is None
    assert post.id == "blog-example-com-ada-and-grace"


def test_inline_code_link_text_and_emphasis_stay_as_plain_text() -> None:
    blocks = prose_blocks(
        "Run `make test` before you [open a PR](https://github.com) -- it *really* helps.  \n"
        "Second line after a hard break.\n\n"
        "<p>An HTML block paragraph.</p>\n\n"
        "A sentence with a footnote.[^note] And ~~no~~ more.\n\n"
        "| a | table |\n|---|---|\n| of | data |\n\n"
        "{% raw %}Keep {{ this }} literally.{% endraw %}\n\n"
        "[^note]: The note.\n"
    )

    assert blocks == [
        "Run make test before you open a PR -- it really helps.\nSecond line after a hard break.",
        "A sentence with a footnote. And no more.",
        "Keep {{ this }} literally.",
    ]


def test_nested_and_loose_lists_are_one_block_with_a_line_per_item() -> None:
    blocks = prose_blocks(
        "3. Third step\n4. Fourth step\n   - a nested detail\n\n     with a second paragraph\n\n"
        "* Star bullet\n+ Plus bullet\n"
    )

    assert blocks == [
        "3. Third step\n4. Fourth step\na nested detail\nwith a second paragraph",
        "Star bullet",
        "Plus bullet",
    ]


def test_a_file_without_front_matter_needs_options() -> None:
    text = "Plain notes without any front matter, written in English.\n"

    assert "no source URL" in rejection(text).reason
    [post] = convert(text, url="https://notes.example.org/plain", date=dt.date(2024, 1, 2), author="Sam")
    assert post.id == "blog-notes-example-org-plain"
    assert [p.en for p in post.paragraphs] == ["Plain notes without any front matter, written in English."]


def test_missing_date_is_rejected_with_the_reason() -> None:
    text = (
        "---\ntitle: Undated\nauthor: Sam\nurl: https://example.com/undated\n---\nSome words of real prose.\n"
    )

    error = rejection(text, "drafts/undated.md")

    assert error.line == 1
    assert error.reason == "no date: no `date` in the front matter and no YYYY-MM-DD- file name"
    [post] = convert(text, "drafts/undated.md", date=dt.date(2024, 2, 3))
    assert post.date == dt.date(2024, 2, 3)


def test_relative_permalink_is_not_a_source() -> None:
    text = (
        "---\ndate: 2024-01-01\nauthor: Sam\npermalink: /2024/01/01/hello/\n---\n"
        "Hello there, readers of the blog.\n"
    )

    reason = rejection(text).reason

    assert reason.startswith("source URL is not an absolute http(s) URL: '/2024/01/01/hello/'")


def test_missing_author_is_rejected() -> None:
    text = "---\ndate: 2024-01-01\nurl: https://example.com/x\n---\nHello there, readers of the blog.\n"

    assert rejection(text).reason == "no author: front matter has no `author` and none was given"
    [post] = convert(text, author="Sam")
    assert post.author == "Sam"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("```python\nprint('only code')\n```\n\n![just an image](a.png)\n", "the post has no prose"),
        ("<div>only <b>html</b></div>\n\n{% include footer.html %}\n", "the post has no prose"),
        ("", "the post has no prose"),
        ("只有中文，没有英文。\n", "the post has Chinese text but no English"),
    ],
)
def test_a_body_without_english_prose_is_rejected(body: str, reason: str) -> None:
    text = f"---\ndate: 2024-01-01\nauthor: Sam\nurl: https://example.com/x\n---\n{body}"

    assert rejection(text).reason.startswith(reason)


def test_broken_front_matter_is_rejected() -> None:
    assert rejection("---\ntitle: [unclosed\n---\nHello there.\n").reason.startswith(
        "front matter is not valid YAML/TOML:"
    )
    assert rejection("---\ndate: next tuesday\n---\nHello there.\n", url="https://e.com/x").reason == (
        "front matter date is not a date (YYYY-MM-DD): 'next tuesday'"
    )


def test_one_file_is_one_entry_at_line_one() -> None:
    [entry] = MarkdownImporter().entries("---\ntitle: x\n---\nbody\n", "posts/x.md")

    assert (entry.origin, entry.line) == ("posts/x.md", 1)
