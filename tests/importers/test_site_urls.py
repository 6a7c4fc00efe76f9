"""A blog checked out as a folder imports whole: each post gets the URL and author its site gives it.

Three checkouts of our own making under tests/fixtures/ (a Jekyll blog, a Hugo
blog configured in hugo.toml, one configured in config/) go through the real
command, `buildspeak import markdown FOLDER`; copies in a temporary folder try
the permalink styles and the configs that cannot give a URL.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import build_app
from lessons.importers.hugo_permalinks import sanitize
from lessons.importers.jekyll_permalinks import slugify
from lessons.library import Library
from tests.support import FIXTURES

RUNNER = CliRunner()
JEKYLL = (FIXTURES / "jekyll_site").resolve()
HUGO = (FIXTURES / "hugo_site").resolve()
HUGO_CONFIG_DIR = (FIXTURES / "hugo_config_dir_site").resolve()
NO_URL = "no source URL: front matter has no canonical_url, url or permalink, and "


@pytest.fixture
def library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith("BUILDSPEAK_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("BUILDSPEAK_LIBRARY__PATH", str(tmp_path / "library"))
    monkeypatch.setenv("BUILDSPEAK_LIBRARY__PINS", str(tmp_path / "pins.toml"))
    monkeypatch.setenv("COLUMNS", "200")
    return tmp_path / "library"


def import_markdown(*args: str | Path) -> tuple[int, str]:
    result = RUNNER.invoke(build_app(), ["import", "markdown", *map(str, args), "--added", "2026-11-01"])
    return result.exit_code, result.output


def credits(library: Path) -> dict[str, str]:
    """Each imported post's source URL and the author it credits."""
    return {str(post.source): post.author for post in Library.load(library).posts.values()}


def summary(output: str) -> dict[str, int]:
    counts = {}
    for label in ("imported", "too short to teach", "rejected"):
        line = next(line for line in output.splitlines() if label in line and "│" in line)
        counts[label] = int(line.split("│")[-2].strip())
    return counts


def rejections(output: str) -> dict[str, str]:
    """Rejected file (relative to the fixtures) → reason."""
    found = {}
    for line in output.splitlines():
        if match := re.match(r"^rejected (.+?):1: (.*)$", line):
            found[Path(match.group(1)).name] = match.group(2)
    return found


def checkout(source: Path, tmp_path: Path) -> Path:
    """A copy of a fixture site as its own git checkout (the search for a config stops at `.git`)."""
    copy = tmp_path / "checkout"
    shutil.copytree(source, copy)
    (copy / ".git").mkdir()
    return copy


def rewrite(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new), encoding="utf-8")


# --- Jekyll -------------------------------------------------------------------------------------


def test_a_jekyll_checkout_imports_its_posts_at_their_jekyll_urls(library: Path) -> None:
    code, output = import_markdown(JEKYLL)

    assert code == 0, output
    assert summary(output) == {"imported": 8, "too short to teach": 0, "rejected": 1}
    assert credits(library) == {
        # permalink: pretty, with url + baseurl in front; the author from _config.yml
        "https://janedoe.dev/notes/2024/03/05/shipping-small-models/": "Jane Doe",
        # `categories: ML Ops` is two categories, lowercased
        "https://janedoe.dev/notes/ml/ops/2024/04/10/evals-before-features/": "Jane Doe",
        # 23:30 -0700 on May 1 is May 2 in the site's timezone (Asia/Shanghai)
        "https://janedoe.dev/notes/2024/05/02/late-night-deploys/": "Jane Doe",
        # the post's own `permalink` pattern wins over the site's
        "https://janedoe.dev/notes/writing/2024/a-custom-link.html": "Jane Doe",
        # `slug` replaces the file name's; :title keeps its case
        "https://janedoe.dev/notes/2024/07/01/Tokenizers-Are-APIs/": "Jane Doe",
        # an absolute canonical_url in the front matter still wins, and so does the post's author
        "https://janedoe.substack.com/p/cross-posted": "J. Doe",
        # a `defaults` author key, looked up in _data/authors.yml; `category` is one whole category
        "https://janedoe.dev/notes/guest%20posts/2024/09/02/on-call-without-tears/": "Sam Rivera",
        # the folder above `_posts` is a category
        "https://janedoe.dev/notes/tutorials/2024/10/11/first-steps-with-evals/": "Jane Doe",
    }
    # README.md, about.md and _drafts/ are not posts: they are not imported, nor rejected
    assert rejections(output) == {
        "notes-on-caching.md": NO_URL + "Jekyll publishes a `_posts` file only when its name starts "
        "with a date (YYYY-MM-DD-title.md); 'notes-on-caching.md' does not"
    }


def test_importing_the_same_checkout_twice_changes_nothing(library: Path) -> None:
    import_markdown(JEKYLL)
    files = {path: path.read_text(encoding="utf-8") for path in library.rglob("*.md")}

    code, output = import_markdown(JEKYLL / "_posts")

    assert code == 0, output
    assert summary(output)["imported"] == 0
    assert {path: path.read_text(encoding="utf-8") for path in library.rglob("*.md")} == files


@pytest.mark.parametrize(
    ("permalink", "path"),
    [
        ("date", "/ml/ops/2024/04/10/evals-before-features.html"),
        ("pretty", "/ml/ops/2024/04/10/evals-before-features/"),
        ("ordinal", "/ml/ops/2024/101/evals-before-features.html"),
        ("weekdate", "/ml/ops/2024/W15/Wed/evals-before-features.html"),
        ("none", "/ml/ops/evals-before-features.html"),
        ("/blog/:short_year/:i_month/:i_day/:slug-:y_day/", "/blog/24/4/10/evals-before-features-101/"),
        ("/:year/:month_:day/:name", "/2024/04_10/2024-04-10-evals-before-features"),
        (
            "/:slugified_categories/:long_month/:short_month/:title/",
            "/ml/ops/April/Apr/evals-before-features/",
        ),
        (
            "/:collection/:w_year/:week/:w_day/:long_day/:hour:minute:second/",
            "/posts/2024/15/3/Wednesday/000000/",
        ),
    ],
)
def test_jekyll_permalink_styles_and_patterns(
    library: Path, tmp_path: Path, permalink: str, path: str
) -> None:
    site = checkout(JEKYLL, tmp_path)
    rewrite(site / "_config.yml", "permalink: pretty", f"permalink: {permalink!r}")

    code, output = import_markdown(site / "_posts" / "2024-04-10-evals-before-features.md")

    assert code == 0, output
    assert list(credits(library)) == [f"https://janedoe.dev/notes{path}"]


def test_jekyll_collection_permalink_and_collections_dir(library: Path, tmp_path: Path) -> None:
    site = checkout(JEKYLL, tmp_path)
    rewrite(site / "_config.yml", "permalink: pretty", "collections_dir: writing\ncollections:\n  posts:\n"
            "    permalink: /:categories/:title/")  # fmt: skip
    (site / "writing").mkdir()
    shutil.move(site / "_posts", site / "writing" / "_posts")
    rewrite(site / "_config.yml", 'path: "_posts/guests"', 'path: "writing/_posts/guests"')

    code, output = import_markdown(site / "writing")

    assert code == 0, output
    assert credits(library)["https://janedoe.dev/notes/ml/ops/evals-before-features/"] == "Jane Doe"
    assert credits(library)["https://janedoe.dev/notes/guest%20posts/on-call-without-tears/"] == "Sam Rivera"


def test_a_jekyll_site_without_url_uses_its_cname_or_says_what_is_missing(
    library: Path, tmp_path: Path
) -> None:
    site = checkout(JEKYLL, tmp_path)
    rewrite(site / "_config.yml", 'url: "https://janedoe.dev"\n', "")
    post = site / "_posts" / "2024-03-05-shipping-small-models.md"

    code, output = import_markdown(post)

    assert rejections(output) == {
        post.name: NO_URL + f"{site / '_config.yml'} has no absolute `url` (and {site} has no CNAME file) "
        "to put before the post's path /notes/2024/03/05/shipping-small-models/"
    }
    (site / "CNAME").write_text("www.janedoe.dev\n", encoding="utf-8")
    code, output = import_markdown(post)
    assert code == 0, output
    assert list(credits(library)) == ["https://www.janedoe.dev/notes/2024/03/05/shipping-small-models/"]


def test_a_jekyll_site_without_an_author_asks_for_one(library: Path, tmp_path: Path) -> None:
    site = checkout(JEKYLL, tmp_path)
    rewrite(site / "_config.yml", "author:\n  name: Jane Doe\n  email: jane@example.org\n", "")
    post = site / "_posts" / "2024-03-05-shipping-small-models.md"

    code, output = import_markdown(post)

    assert code == 0, output
    assert rejections(output) == {
        post.name: f"no author: front matter has no `author`, nor has {site / '_config.yml'}; give --author"
    }
    code, output = import_markdown(post, "--author", "Jane D.")
    assert credits(library) == {"https://janedoe.dev/notes/2024/03/05/shipping-small-models/": "Jane D."}


def test_url_option_still_names_one_files_link(library: Path) -> None:
    post = JEKYLL / "_posts" / "2024-03-05-shipping-small-models.md"

    code, output = import_markdown(post, "--url", "https://janedoe.dev/p/small-models")

    assert code == 0, output
    assert credits(library) == {"https://janedoe.dev/p/small-models": "Jane Doe"}
    code, output = import_markdown(JEKYLL, "--url", "https://janedoe.dev/p/small-models")
    assert code == 2
    assert "--url is one post's link: give it with one file, not 9" in output


def test_a_page_of_the_site_given_by_name_is_rejected_with_the_reason(library: Path) -> None:
    code, output = import_markdown(JEKYLL / "about.md")

    assert code == 0, output
    assert rejections(output) == {
        "about.md": f"source URL is not an absolute http(s) URL: '/about/'; give the full URL "
        f"({JEKYLL / '_config.yml'} is a Jekyll site, which publishes posts only from `_posts` folders)"
    }


def test_a_config_that_cannot_be_read_rejects_the_posts_that_need_it(library: Path, tmp_path: Path) -> None:
    site = checkout(JEKYLL, tmp_path)
    (site / "_config.yml").write_text("url: [unclosed\n", encoding="utf-8")

    code, output = import_markdown(site)

    assert code == 0, output
    # every Markdown file stays in the import (which are posts is unknown), each rejected with the reason
    assert summary(output) == {"imported": 1, "too short to teach": 0, "rejected": 11}
    assert list(credits(library)) == ["https://janedoe.substack.com/p/cross-posted"]
    assert rejections(output)["2024-03-05-shipping-small-models.md"].startswith(
        f"{NO_URL}cannot read {site / '_config.yml'}: while parsing a flow sequence"
    )


# --- Hugo ---------------------------------------------------------------------------------------


def test_a_hugo_checkout_imports_its_posts_at_their_hugo_urls(library: Path) -> None:
    code, output = import_markdown(HUGO)

    assert code == 0, output
    assert summary(output) == {"imported": 6, "too short to teach": 0, "rejected": 2}
    assert credits(library) == {
        # posts = "/:year/:month/:slug/": no slug, so the title, urlized; author from [params.author]
        "https://liwei.dev/2024/06/local-first-sync-explained/": "Li Wei",
        # the front matter's `slug`, urlized
        "https://liwei.dev/2024/07/crdts-in-practice/": "Li Wei",
        # a page bundle (posts/offline-first/index.md)
        "https://liwei.dev/2024/08/offline-first-is-a-product-decision/": "Li Wei",
        # the front matter's relative `url`, and the post's own author
        "https://liwei.dev/guests/compilers-are-friends/": "Ada Park",
        # no pattern for `notes`: /<section>/<bundle folder>/
        "https://liwei.dev/notes/sync-engines/": "Li Wei",
        # [permalinks.page] talks = "/speaking/:contentbasename/", on a bundle
        "https://liwei.dev/speaking/berlin-2024/": "Li Wei",
    }
    # _index.md, about.md, archetypes/, README.md and the theme's example site are not posts
    assert rejections(output) == {
        "draft-ideas.md": NO_URL + "the permalink '/:year/:month/:slug/' uses :year and the page has no "
        "date (front matter date, publishdate, pubdate, published, lastmod, modified)",
        "undated-thoughts.md": "no date: no `date` in the front matter and no YYYY-MM-DD- file name",
    }


def test_a_hugo_site_configured_in_its_config_folder(library: Path) -> None:
    code, output = import_markdown(HUGO_CONFIG_DIR)

    assert code == 0, output
    assert credits(library) == {
        # config/production/ overrides _default's localhost baseURL; `:sections[1:]` drops `posts`
        "https://mei.codes/blog/ml/gradient-checkpointing/": "Mei Chen",
        # posts/2024/ has no _index.md, so it is a folder, not a section
        "https://mei.codes/blog/quantization-notes/": "Mei Chen",
        # a translation (hello-world.zh.md) lives under its language's prefix
        "https://mei.codes/zh/blog/hello-world/": "Mei Chen",
    }  # projects/sync-kit.md is not in `mainSections: [posts]`


@pytest.mark.parametrize(
    ("settings", "posts", "path"),
    [
        ("", None, "/posts/local-first-sync/"),
        ("", "/:section/:year/:monthname/:slug/", "/posts/2024/june/local-first-sync-explained/"),
        ("", "/:06/:1/:2/:filename/", "/24/6/12/local-first-sync/"),
        ("", "/:yearday-:weekday/:weekdayname/:title", "/164-3/wednesday/local-first-sync-explained/"),
        ("", "/:slugorfilename/\\\\:ab", "/local-first-sync/ab/"),
        ("uglyURLs = true", None, "/posts/local-first-sync.html"),
        ("uglyURLs = true", "/:year/:slug/", "/2024/local-first-sync-explained.html"),
        (
            "disablePathToLower = true",
            "/:section/:monthname/:title/",
            "/posts/June/Local-first-sync-explained/",
        ),
    ],
)
def test_hugo_permalink_patterns(
    library: Path, tmp_path: Path, settings: str, posts: str | None, path: str
) -> None:
    site = checkout(HUGO, tmp_path)
    hugo = site / "hugo.toml"
    text = hugo.read_text(encoding="utf-8")
    permalinks = f'[permalinks]\nposts = "{posts}"\n' if posts else ""
    hugo.write_text(f"{settings}\n{text[: text.index('[permalinks]')]}{permalinks}", encoding="utf-8")

    code, output = import_markdown(site / "content" / "posts" / "local-first-sync.md")

    assert code == 0, output
    assert list(credits(library)) == [f"https://liwei.dev{path}"]


def test_a_hugo_module_mount_replaces_the_content_folder(library: Path, tmp_path: Path) -> None:
    site = checkout(HUGO, tmp_path)
    (site / "sources").mkdir()
    shutil.move(site / "content", site / "sources" / "en")
    with (site / "hugo.toml").open("a", encoding="utf-8") as config:
        config.write('\n[[module.mounts]]\nsource = "sources/en"\ntarget = "content"\n')

    code, output = import_markdown(site / "sources" / "en" / "posts")

    assert code == 0, output
    assert credits(library)["https://liwei.dev/2024/06/local-first-sync-explained/"] == "Li Wei"
    assert credits(library)["https://liwei.dev/2024/08/offline-first-is-a-product-decision/"] == "Li Wei"


def test_a_hugo_site_without_base_url_says_what_is_missing(library: Path, tmp_path: Path) -> None:
    site = checkout(HUGO, tmp_path)
    rewrite(site / "hugo.toml", 'baseURL = "https://liwei.dev/"', 'baseURL = "/"')

    code, output = import_markdown(site / "content" / "posts" / "local-first-sync.md")

    assert code == 0, output
    assert rejections(output) == {
        "local-first-sync.md": NO_URL + f"{site / 'hugo.toml'} has no absolute `baseURL` to put before "
        "the page's path /2024/06/local-first-sync-explained/"
    }


def test_a_hugo_page_outside_the_posts_is_rejected_when_named(library: Path) -> None:
    code, output = import_markdown(HUGO / "content" / "about.md", HUGO / "content" / "posts" / "_index.md")

    assert code == 0, output
    assert rejections(output) == {
        "about.md": NO_URL + f"about.md is a page at the top of {HUGO / 'content'} (like an about page), "
        "not a post",
        "_index.md": NO_URL + "an `_index` file is a section's list page, not a post",
    }


# --- Folders without a site ---------------------------------------------------------------------


def test_a_folder_without_a_site_imports_every_markdown_file(library: Path, tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    (notes / ".git").mkdir(parents=True)
    (notes / "drafts").mkdir()
    body = (
        "Write the eval before the feature, every single time. Then write the feature and run the eval. "
        "Then ship it behind a flag and watch the logs for a week."
    )
    for name, front in [
        ("one.md", "url: https://notes.example.org/one"),
        ("drafts/two.markdown", "canonical_url: https://notes.example.org/two"),
        ("three.md", ""),
        ("drafts/four.md", "permalink: /four/"),
    ]:
        (notes / name).write_text(f"---\ndate: 2024-01-02\nauthor: Sam\n{front}\n---\n{body}\n", "utf-8")
    (notes / "image.png").write_bytes(b"\x89PNG")

    code, output = import_markdown(notes)

    assert code == 0, output
    assert sorted(credits(library)) == ["https://notes.example.org/one", "https://notes.example.org/two"]
    looked_for = "no Jekyll `_config.yml` or Hugo config (hugo.toml, config.toml, config/_default/…)"
    assert rejections(output) == {
        "three.md": f"{NO_URL}{looked_for} was found in {notes.resolve()}",
        "four.md": "source URL is not an absolute http(s) URL: '/four/'; give the full URL "
        f"({looked_for} was found in {notes.resolve() / 'drafts'} or the folders above it up to "
        f"{notes.resolve()})",
    }


def test_a_folder_is_refused_by_a_format_that_reads_files(library: Path, tmp_path: Path) -> None:
    result = RUNNER.invoke(build_app(), ["import", "page", str(tmp_path)])

    assert result.exit_code == 1
    assert f"{tmp_path}: is a folder; the page format imports files" in result.output
    code, output = import_markdown(tmp_path)
    assert code == 1
    assert f"{tmp_path}: nothing to import: no file in this folder is a markdown post" in output


# --- Slugs as each generator makes them ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "mode", "slug"),
    [
        ("The _config.yml file", {}, "the-config-yml-file"),
        ("The _config.yml file", {"pretty": True}, "the-_config.yml-file"),
        ("The _config.yml file?", {"pretty": True, "cased": True}, "The-_config.yml-file"),
        ("  Ünïcode 中文 post!! ", {}, "ünïcode-中文-post"),
    ],
)
def test_jekyll_slugify_modes(text: str, mode: dict[str, bool], slug: str) -> None:
    assert slugify(text, **mode) == slug


@pytest.mark.parametrize(
    ("text", "settings", "path"),
    [
        ("Vim (text editor)", {}, "vim-text-editor"),
        ("Hello,  World! -- now", {}, "hello-world--now"),
        ("Crème Brûlée", {"removepathaccents": True}, "creme-brulee"),
        ("Crème Brûlée", {"disablepathtolower": True}, "Crème-Brûlée"),
        ("100%20done", {}, "100%20done"),
    ],
)
def test_hugo_sanitizes_path_elements(text: str, settings: dict[str, bool], path: str) -> None:
    assert sanitize(text, settings) == path
