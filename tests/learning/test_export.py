"""The vocabulary book exported as CSV and as an Anki package, read back the way Excel and Anki read them."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import zipfile
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.learning.export import (
    CSV_HEADER,
    FIELDS,
    MODEL_ID,
    ExportContext,
    ExportEntry,
    NothingToExport,
    anki_package,
    deck_id,
    vocabulary_csv,
)

# genanki warns (instead of failing) about unescaped HTML in fields: here any warning fails the test.
pytestmark = pytest.mark.filterwarnings("error")

SAVED = datetime(2026, 5, 1, 8, 30, tzinfo=UTC)
LATER = datetime(2026, 5, 3, 21, 5, tzinfo=UTC)
KARPATHY = "https://x.com/karpathy/status/1"


def context(
    sentence: str | None = "The model engulfed the whole dataset.",
    *,
    form: str = "engulfed",
    zh: str | None = "模型吞下了整个数据集。",
    saved_at: datetime = SAVED,
    url: str | None = KARPATHY,
) -> ExportContext:
    return ExportContext(
        form=form,
        sentence_en=sentence,
        sentence_zh=zh,
        lesson_title="Software 3.0",
        author="Andrej Karpathy",
        source_url=url,
        saved_at=saved_at,
    )


def entry(
    lemma: str = "engulf", *contexts: ExportContext, gloss: str | None = "v. 吞没", note=None
) -> ExportEntry:
    return ExportEntry(
        lemma=lemma,
        phonetic="ɪnˈɡʌlf",
        gloss=gloss,
        note=note,
        contexts=contexts or (context(),),
        saved_at=SAVED,
    )


def no_audio(sentence: str) -> None:
    return None


# --- CSV -------------------------------------------------------------------------------------


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_starts_with_a_bom_and_has_a_bilingual_header() -> None:
    data = vocabulary_csv([entry()])

    assert data.startswith(b"\xef\xbb\xbf")
    header, row = read_csv(data)
    assert header == list(CSV_HEADER)
    assert header[0] == "单词 word"
    assert row == [
        "engulf",
        "ɪnˈɡʌlf",
        "v. 吞没",
        "",
        "The model engulfed the whole dataset.",
        "模型吞下了整个数据集。",
        "Andrej Karpathy · Software 3.0",
        KARPATHY,
        "2026-05-01 08:30",
        "",
    ]


def test_csv_keeps_commas_quotes_and_newlines_inside_cells() -> None:
    tricky = 'He said, "ship it"\nand\r\nwe did, twice.'
    data = vocabulary_csv([entry("ship", context(tricky, form="ship", zh="他说，“发布吧”")), entry("twice")])

    header, first, second = read_csv(data)
    assert first[header.index("例句 sentence")] == tricky
    assert first[header.index("译文 translation")] == "他说，“发布吧”"
    assert second[0] == "twice"


def test_csv_uses_the_newest_context_and_lists_the_others() -> None:
    old = context("An old sentence.", saved_at=SAVED)
    new = context("A newer sentence.", saved_at=LATER, url=None)
    bare = context(None, saved_at=SAVED)
    _, row = read_csv(vocabulary_csv([entry("engulf", old, new, bare)]))

    assert row[4] == "A newer sentence."
    assert row[7] == ""
    assert row[-1] == "An old sentence."


def test_csv_entry_without_contexts_keeps_its_word_and_gloss() -> None:
    lonely = ExportEntry("moat", None, "n. 护城河", "a builder's word for defensibility", (), SAVED)
    _, row = read_csv(vocabulary_csv([lonely]))

    assert row[:5] == ["moat", "", "n. 护城河", "a builder's word for defensibility", ""]


def test_csv_cells_that_look_like_formulas_are_not_run_by_excel() -> None:
    _, row = read_csv(vocabulary_csv([entry("sum", context("=HYPERLINK(1)", form="sum"), gloss="+1")]))

    assert row[2] == "'+1"
    assert row[4] == "'=HYPERLINK(1)"


def test_an_empty_book_is_not_exported() -> None:
    with pytest.raises(NothingToExport, match="nothing to export"):
        vocabulary_csv([])
    with pytest.raises(ValueError, match="nothing to export"):
        anki_package([], path=Path("unused.apkg"), deck_name="d", audio_for=no_audio)


# --- Anki ------------------------------------------------------------------------------------


@dataclass
class Apkg:
    """What Anki reads from a package: the collection tables and the media files."""

    notes: list[tuple[str, list[str]]]  # (guid, fields)
    cards: list[tuple[int, int, int]]  # (note id, deck id, template ord)
    decks: dict[str, dict]
    models: dict[str, dict]
    media: dict[str, bytes]  # file name -> content
    note_mods: set[int]


def open_apkg(path: Path, tmp_path: Path) -> Apkg:
    with zipfile.ZipFile(path) as archive:
        assert {"collection.anki2", "media"} <= set(archive.namelist())
        media_index = json.loads(archive.read("media"))
        media = {name: archive.read(number) for number, name in media_index.items()}
        database = tmp_path / f"{path.stem}.anki2"
        database.write_bytes(archive.read("collection.anki2"))
    connection = sqlite3.connect(database)
    try:
        rows = connection.execute("SELECT guid, flds, mod FROM notes ORDER BY id").fetchall()
        cards = connection.execute("SELECT nid, did, ord FROM cards").fetchall()
        decks, models = connection.execute("SELECT decks, models FROM col").fetchone()
    finally:
        connection.close()
    notes = [(guid, fields.split("\x1f")) for guid, fields, _ in rows]
    return Apkg(notes, cards, json.loads(decks), json.loads(models), media, {mod for *_, mod in rows})


def fields_of(note: tuple[str, list[str]]) -> dict[str, str]:
    return dict(zip(FIELDS, note[1], strict=True))


def build(entries: list[ExportEntry], tmp_path: Path, *, name: str = "deck.apkg", audio_for=no_audio) -> Apkg:
    path = anki_package(entries, path=tmp_path / name, deck_name="BuildSpeak 生词本", audio_for=audio_for)
    assert path == tmp_path / name
    return open_apkg(path, tmp_path)


def test_package_has_one_note_and_one_card_per_word_in_the_named_deck(tmp_path: Path) -> None:
    apkg = build([entry("engulf"), entry("ship"), entry("moat")], tmp_path)

    assert len(apkg.notes) == 3
    assert len(apkg.cards) == 3
    assert {did for _, did, _ in apkg.cards} == {deck_id("BuildSpeak 生词本")}
    assert apkg.decks[str(deck_id("BuildSpeak 生词本"))]["name"] == "BuildSpeak 生词本"
    assert [fields_of(note)["Word"] for note in apkg.notes] == ["engulf", "ship", "moat"]


def test_note_type_has_the_named_fields_and_one_template(tmp_path: Path) -> None:
    model = build([entry()], tmp_path).models[str(MODEL_ID)]

    assert [field["name"] for field in model["flds"]] == list(FIELDS)
    (template,) = model["tmpls"]
    assert "{{Sentence}}" in template["qfmt"]
    assert "{{Audio}}" in template["qfmt"]
    for name in ("Word", "Phonetic", "Gloss", "Translation", "Note", "Source"):
        assert "{{" + name + "}}" in template["afmt"]
    assert ".target" in model["css"]


def test_front_highlights_the_form_met_and_back_has_the_meaning(tmp_path: Path) -> None:
    note = fields_of(build([entry(note="Karpathy uses it for data")], tmp_path).notes[0])

    assert note["Sentence"] == 'The model <b class="target">engulfed</b> the whole dataset.'
    assert note["Phonetic"] == "ɪnˈɡʌlf"
    assert note["Gloss"] == "v. 吞没"
    assert note["Translation"] == "模型吞下了整个数据集。"
    assert note["Note"] == "Karpathy uses it for data"
    assert note["Source"] == f'<a href="{KARPATHY}">Andrej Karpathy · Software 3.0</a>'


def test_highlight_ignores_case_and_whole_words_only(tmp_path: Path) -> None:
    sentences = [
        context("Shipping is what we ship. Ship it!", form="ship"),
        context("The moats are deep.", form="moat"),
    ]
    apkg = build([entry("ship", sentences[0]), entry("moat", sentences[1])], tmp_path)
    ship, moat = (fields_of(note)["Sentence"] for note in apkg.notes)

    assert ship == 'Shipping is what we <b class="target">ship</b>. Ship it!'
    assert moat == 'The moats are deep. (<b class="target">moat</b>)'


def test_word_without_any_text_still_makes_a_card(tmp_path: Path) -> None:
    bare = ExportEntry("grok", None, None, None, (), SAVED)
    no_sentence = entry("vibe", context(None, zh=None, url=None))
    apkg = build([bare, no_sentence], tmp_path)

    assert len(apkg.cards) == 2
    assert fields_of(apkg.notes[0]) == dict.fromkeys(FIELDS, "") | {"Word": "grok"}
    assert fields_of(apkg.notes[1])["Sentence"] == ""
    assert fields_of(apkg.notes[1])["Source"] == "Andrej Karpathy · Software 3.0"


def test_user_text_is_html_escaped(tmp_path: Path) -> None:
    evil = context('Use <script>alert("x")</script> & <b>tags</b>', form="tags", zh="<i>斜体</i>")
    evil = replace(evil, author="<img src=x>", source_url='https://e.com/?a=1&b="2"')
    note = fields_of(build([entry("tags", evil, gloss="<u>标签</u>", note="a < b")], tmp_path).notes[0])

    assert note["Sentence"] == (
        "Use &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; "
        '&lt;b&gt;<b class="target">tags</b>&lt;/b&gt;'
    )
    assert note["Gloss"] == "&lt;u&gt;标签&lt;/u&gt;"
    assert note["Translation"] == "&lt;i&gt;斜体&lt;/i&gt;"
    assert note["Note"] == "a &lt; b"
    assert (
        note["Source"]
        == '<a href="https://e.com/?a=1&amp;b=&quot;2&quot;">&lt;img src=x&gt; · Software 3.0</a>'
    )


def test_only_web_links_become_links(tmp_path: Path) -> None:
    note = fields_of(build([entry("x", context(url="javascript:alert(1)"))], tmp_path).notes[0])

    assert note["Source"] == "Andrej Karpathy · Software 3.0"


def test_sentence_audio_is_packaged_once_and_referenced(tmp_path: Path) -> None:
    audio = tmp_path / "cache" / "abc.mp3"
    audio.parent.mkdir()
    audio.write_bytes(b"ID3fake-mp3")
    other = tmp_path / "elsewhere" / "abc.mp3"  # same basename, different sound
    other.parent.mkdir()
    other.write_bytes(b"ID3other")
    files = {"The model engulfed the whole dataset.": audio, "Ship it.": other}
    asked: list[str] = []

    def audio_for(sentence: str) -> Path | None:
        asked.append(sentence)
        return files.get(sentence)

    shared = context()
    entries = [
        entry("engulf", shared),
        entry("model", shared),
        entry("ship", context("Ship it.", form="ship")),
    ]
    entries.append(entry("silent", context("No audio here.", form="silent")))
    apkg = build(entries, tmp_path, audio_for=audio_for)

    assert sorted(apkg.media.values()) == [b"ID3fake-mp3", b"ID3other"]
    assert all(name.startswith("buildspeak-") and "/" not in name for name in apkg.media)
    sounds = [fields_of(note)["Audio"] for note in apkg.notes]
    assert sounds[0] == sounds[1] != sounds[2]
    assert {sound.removeprefix("[sound:").removesuffix("]") for sound in sounds[:3]} == set(apkg.media)
    assert sounds[3] == ""
    assert asked == list(dict.fromkeys(asked))  # each sentence asked once


def test_missing_audio_file_is_skipped(tmp_path: Path) -> None:
    apkg = build([entry()], tmp_path, audio_for=lambda sentence: tmp_path / "gone.mp3")

    assert apkg.media == {}
    assert fields_of(apkg.notes[0])["Audio"] == ""


def test_reexport_keeps_note_guids_and_deck(tmp_path: Path) -> None:
    first = build([entry("engulf"), entry("ship")], tmp_path, name="first.apkg")
    changed = entry("engulf", context("Another sentence engulfed it.", saved_at=LATER), gloss="v. 吞没；淹没")
    second = build([entry("moat"), changed, entry("ship")], tmp_path, name="second.apkg")

    guids = {fields_of(note)["Word"]: note[0] for note in second.notes}
    assert {fields_of(note)["Word"]: note[0] for note in first.notes} == {
        k: guids[k] for k in ("engulf", "ship")
    }
    assert len(set(guids.values())) == 3
    assert first.decks.keys() == second.decks.keys()


def test_deck_id_is_stable_per_name_and_in_ankis_range() -> None:
    assert deck_id("Alice 的生词本") == deck_id("Alice 的生词本") != deck_id("Bob 的生词本")
    assert all(1 << 30 <= deck_id(name) < 1 << 31 for name in ("a", "b", "BuildSpeak 生词本"))


def test_export_time_stamps_the_notes(tmp_path: Path) -> None:
    path = anki_package(
        [entry()], path=tmp_path / "t.apkg", deck_name="d", audio_for=no_audio, exported_at=LATER
    )

    assert open_apkg(path, tmp_path).note_mods == {int(LATER.timestamp())}


def test_duplicate_lemmas_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="duplicate lemma"):
        anki_package([entry(), entry()], path=tmp_path / "d.apkg", deck_name="d", audio_for=no_audio)
