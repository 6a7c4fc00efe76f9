"""Key words for sentence cards, from the bundled ECDICT subset, on real sentences from Karpathy's posts."""

from __future__ import annotations

import gzip
import importlib.util
import sqlite3
import sys
from pathlib import Path
from types import ModuleType

import pytest

from lessons.vocabulary import (
    DictEntry,
    Dictionary,
    KeyWord,
    default_dictionary_path,
    difficulty,
    is_easy,
    key_words,
)

MENUGEN = "1. menugen: an app that can be fully engulfed by LLMs, with no classical code needed"
INTERPRETER = (
    "The LLM is an advanced interpreter of English and can intelligently target installation "
    "to your setup, debug everything inline, etc."
)
JUNGLE = (
    "You're either in the data distribution (on the rails of the RL circuits) and flying or you're "
    "off-roading in the jungle with a machete, in relative terms."
)
PITFALLS = (
    "Still not 100% satisfied with this, but it's an ongoing struggle to build an accurate model of LLM "
    "capabilities if you wish to practically take advantage of their power while avoiding their pitfalls, "
    "which brings me to..."
)
JAGGED = (
    "How it can be true that a single artifact will simultaneously 1) coherently refactor a 100,000-line "
    "code base *and* 2) tell you to walk to the car wash to wash your car."
)
REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def dictionary() -> Dictionary:
    return Dictionary.load(default_dictionary_path())


def lemmas(words: list[KeyWord]) -> list[str]:
    return [word.lemma for word in words]


def forms(words: list[KeyWord]) -> list[str]:
    return [word.word for word in words]


# --- the bundled file ---------------------------------------------------------------------------


def test_bundled_dictionary_is_compact_and_complete(dictionary: Dictionary) -> None:
    path = default_dictionary_path()
    assert path.name == "ecdict_subset.tsv.gz"
    assert path.stat().st_size < 2_000_000
    assert 35_000 <= len(dictionary) <= 40_000
    assert (path.parent / "ECDICT-LICENSE.txt").read_text(encoding="utf-8").count("MIT License") >= 1


def test_load_rejects_a_file_that_is_not_a_subset(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.tsv.gz"
    bogus.write_bytes(gzip.compress(b"word\tphonetic\n"))
    with pytest.raises(ValueError, match="ECDICT subset"):
        Dictionary.load(bogus)


# --- lookup -------------------------------------------------------------------------------------


def test_lookup_gives_phonetic_short_gloss_tags_and_best_rank(dictionary: Dictionary) -> None:
    entry = dictionary.lookup("engulf")
    assert entry == DictEntry(
        word="engulf",
        lemma="engulf",
        phonetic="in'gʌlf",
        gloss="vt. 卷入, 吸进, 吞没",
        exam_tags=("toefl", "gre"),
        frequency_rank=9563,  # frq 9563 beats bnc 9687
    )


@pytest.mark.parametrize(
    ("form", "lemma"),
    [
        ("went", "go"),
        ("gone", "go"),
        ("engulfed", "engulf"),
        ("engulfing", "engulf"),  # no line of its own: found through engulf's exchange data
        ("models", "model"),
        ("pitfalls", "pitfall"),
        ("capabilities", "capability"),
        ("installed", "install"),
    ],
)
def test_inflected_forms_give_their_lemma_entry_with_the_form_as_met(
    dictionary: Dictionary, form: str, lemma: str
) -> None:
    entry = dictionary.lookup(form)
    assert entry is not None
    assert entry.word == form
    assert entry.lemma == lemma
    assert entry.gloss == dictionary.lookup(lemma).gloss


def test_a_form_the_developer_glossary_has_keeps_its_own_senses(dictionary: Dictionary) -> None:
    coding = dictionary.lookup("coding")
    assert coding is not None and coding.lemma == "code"  # found through code's line...
    assert coding.gloss.startswith("n. 编程")  # ...but glossed as the glossary says "coding" is


def test_lookup_ignores_case(dictionary: Dictionary) -> None:
    for spelling in ("Engulfed", "ENGULFED", "eNgUlFeD"):
        entry = dictionary.lookup(spelling)
        assert entry is not None
        assert (entry.word, entry.lemma) == (spelling, "engulf")
    assert dictionary.lookup("INTERPRETER").lemma == "interpreter"


def test_possessive_is_stripped(dictionary: Dictionary) -> None:
    assert dictionary.lookup("model's").lemma == "model"
    assert dictionary.lookup("interpreter’s").lemma == "interpreter"
    assert dictionary.lookup("models'").lemma == "model"
    assert dictionary.lookup("Karpathy's") is None


@pytest.mark.parametrize("word", ["jaggedness", "menugen", "nanochat", "Karpathy", "qwzxv", "", "llm.c"])
def test_unknown_words_give_none(dictionary: Dictionary, word: str) -> None:
    assert dictionary.lookup(word) is None


def test_easy_and_hard_words(dictionary: Dictionary) -> None:
    for word in ("the", "good", "people", "went", "target", "code"):
        assert is_easy(dictionary.lookup(word)), word
    for word in ("engulf", "coherent", "interpreter", "machete", "pitfall"):
        assert not is_easy(dictionary.lookup(word)), word
    assert difficulty(dictionary.lookup("pitfall")) > difficulty(dictionary.lookup("coherent"))
    assert difficulty(dictionary.lookup("engulf")) > difficulty(dictionary.lookup("interpreter"))


# --- key words ----------------------------------------------------------------------------------


def test_menugen_sentence_explains_engulfed(dictionary: Dictionary) -> None:
    words = key_words(MENUGEN, dictionary)
    engulfed = next(word for word in words if word.lemma == "engulf")
    assert engulfed.word == "engulfed"
    assert engulfed.phonetic == "in'gʌlf"
    assert "吞没" in engulfed.gloss
    assert "classical" in lemmas(words)
    for skipped in ("menugen", "app", "LLMs", "LLM", "fully", "code", "needed", "need"):
        assert skipped not in forms(words) and skipped not in lemmas(words)


def test_interpreter_sentence(dictionary: Dictionary) -> None:
    words = key_words(INTERPRETER, dictionary)
    assert forms(words) == ["interpreter", "intelligently", "installation", "setup", "debug"]
    interpreter = words[0]
    assert interpreter.phonetic
    assert interpreter.gloss.startswith("n. 解释器")  # the developer's sense (tests/test_glosses.py)
    assert all(word.gloss for word in words)


def test_karpathy_sentences_find_the_hard_words(dictionary: Dictionary) -> None:
    assert "machete" in lemmas(key_words(JUNGLE, dictionary))
    assert "jungle" in lemmas(key_words(JUNGLE, dictionary))
    pitfalls = key_words(PITFALLS, dictionary)
    assert ("pitfalls", "pitfall") in [(word.word, word.lemma) for word in pitfalls]
    jagged = key_words(JAGGED, dictionary)
    assert {"artifact", "simultaneously"} <= set(lemmas(jagged))
    assert "jaggedness" not in forms(key_words("explain the pattern of jaggedness in LLMs", dictionary))


def test_output_keeps_sentence_order_and_respects_the_limit(dictionary: Dictionary) -> None:
    everything = key_words(PITFALLS, dictionary, limit=20)
    assert len(everything) > 2
    positions = [PITFALLS.index(word.word) for word in everything]
    assert positions == sorted(positions)
    assert len(key_words(PITFALLS, dictionary)) <= 6
    assert key_words(PITFALLS, dictionary, limit=0) == []
    two = key_words(PITFALLS, dictionary, limit=2)
    assert forms(two) == ["ongoing", "pitfalls"]  # the two hardest, in sentence order
    hardest = min(difficulty(dictionary.lookup(word.word)) for word in two)
    left_out = [word for word in everything if word not in two]
    assert all(difficulty(dictionary.lookup(word.word)) <= hardest for word in left_out)


def test_one_key_word_per_lemma(dictionary: Dictionary) -> None:
    sentence = "I installed it, you are installing it, and they install it with a meticulous plan."
    words = key_words(sentence, dictionary)
    assert lemmas(words).count("install") == 1
    assert forms(words)[0] == "installed"  # the first form met is the one shown
    assert "meticulous" in lemmas(words)


def test_easy_words_are_never_key_words(dictionary: Dictionary) -> None:
    assert (
        key_words("The good people went to the market and bought some food for their children.", dictionary)
        == []
    )
    words = key_words("The good people say this coherent machete is a pitfall.", dictionary)
    assert lemmas(words) == ["coherent", "machete", "pitfall"]


def test_urls_handles_code_numbers_and_acronyms_are_skipped(dictionary: Dictionary) -> None:
    sentence = (
        "See https://github.com/karpathy/llm.c or www.example.com/docs and write to andrej@example.com, "
        "@karpathy #buildinpublic: nanoGPT v2.1 trains 124M params on 8 GPUs with RLHF in llm.c via "
        "`torch.compile` and --verbose using my_model.py, 2024 edition, a meticulous reimplementation."
    )
    words = key_words(sentence, dictionary, limit=20)
    assert "meticulous" in lemmas(words)
    shown = {word.word.lower() for word in words} | {word.lemma.lower() for word in words}
    for noise in (
        "https",
        "github",
        "karpathy",
        "llm",
        "example",
        "docs",
        "andrej",
        "buildinpublic",
        "nanogpt",
        "gpus",
        "gpu",
        "rlhf",
        "torch",
        "compile",
        "verbose",
        "model",
        "params",
    ):
        assert noise not in shown, noise
    assert all(word.word.isalpha() for word in words)


def test_names_are_skipped_but_sentence_initial_words_are_not(dictionary: Dictionary) -> None:
    sentence = "Yesterday Andrej Karpathy and Claude discussed the Sequoia Ascent keynote in English."
    words = key_words(sentence, dictionary)
    assert lemmas(words) == ["keynote"]
    # "Claude" is a name even at the start of a sentence; "Coherent" there is just a capital letter.
    assert key_words("Claude explained it.", dictionary) == []
    assert lemmas(key_words("Coherent writing matters. Machetes cut.", dictionary)) == [
        "coherent",
        "machete",
    ]


def test_a_capitalized_word_before_a_version_is_a_name(dictionary: Dictionary) -> None:
    words = key_words("Meta released Llama 3 and the llama ate grass.", dictionary)
    assert "llama" in forms(words)
    assert "Llama" not in forms(words)


def test_prefixes_of_hyphenated_words_are_not_key_words(dictionary: Dictionary) -> None:
    words = key_words("It is a non-trivial, multi-step refactor of a self-contained kernel.", dictionary)
    assert {"trivial", "kernel"} <= set(lemmas(words))
    assert not {"non", "multi"} & set(lemmas(words))


def test_compounds_and_contractions(dictionary: Dictionary) -> None:
    words = key_words("It's a well-known pitfall; don't let it engulf you.", dictionary)
    assert lemmas(words) == ["well-known", "pitfall", "engulf"]
    assert key_words("You're sure we shouldn't, aren't you?", dictionary) == []


def test_short_words_are_skipped(dictionary: Dictionary) -> None:
    assert dictionary.lookup("ox") is not None  # in the dictionary, but shorter than three letters
    assert key_words("An ox.", dictionary) == []


# --- the build script ---------------------------------------------------------------------------


def load_build_script() -> ModuleType:
    path = REPO_ROOT / "scripts" / "build_dictionary.py"
    spec = importlib.util.spec_from_file_location("build_dictionary", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def make_stardict(path: Path, rows: list[tuple[str, str, str, str, int, int, str]]) -> None:
    connection = sqlite3.connect(path)
    connection.execute(
        "CREATE TABLE stardict (word TEXT COLLATE NOCASE UNIQUE, phonetic TEXT, translation TEXT,"
        " tag TEXT, bnc INTEGER, frq INTEGER, exchange TEXT)"
    )
    connection.executemany("INSERT INTO stardict VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    connection.commit()
    connection.close()


def test_build_script_keeps_tagged_or_frequent_words_and_their_forms(tmp_path: Path) -> None:
    build = load_build_script()
    database = tmp_path / "ecdict.sqlite"
    make_stardict(
        database,
        [
            (
                "go",
                "gәu",
                "vi. 去, 走, 达到, 运转\nvt. 以...打赌\nn. 尝试",
                "zk gk",
                44,
                35,
                "p:went/d:gone/3:goes",
            ),
            ("went", "went", "go的过去式", "", 0, 0, "0:go/1:p"),
            ("engulf", "in'gʌlf", "vt. 卷入, 吸进, 吞没, 使全神贯注", "toefl gre", 9687, 9563, "i:engulfing"),
            ("engulfed", "", "v. 吞没( engulf的过去式和过去分词 )", "", 0, 45984, "0:engulf/1:pd"),
            ("machete", "mә'tʃeiti", "n. 大砍刀\n[化] 马歇特; 丁草胺", "", 25419, 15845, "s:machetes"),
            ("zyzzyva", "", "n. 象鼻虫", "", 0, 0, ""),
        ],
    )
    output = tmp_path / "subset.tsv.gz"
    assert build.main([str(database), "--output", str(output)]) == 0

    small = Dictionary.load(output)
    assert len(small) == 3  # go, engulf, machete: zyzzyva has no tag or rank, went/engulfed only map
    assert small.lookup("went").lemma == "go"
    assert small.lookup("goes").lemma == "go"
    assert small.lookup("engulfed").gloss == "vt. 卷入, 吸进, 吞没"
    assert small.lookup("engulfing").lemma == "engulf"
    machete = small.lookup("machetes")
    assert (machete.lemma, machete.phonetic, machete.gloss) == ("machete", "mə'tʃeiti", "n. 大砍刀")
    assert small.lookup("go").gloss == "vi. 去, 走, 达到; vt. 以...打赌; n. 尝试"
    assert small.lookup("zyzzyva") is None


def test_trim_gloss_keeps_pos_and_computing_senses_within_budget() -> None:
    build = load_build_script()
    assert build.trim_gloss("vt. 卷入, 吸进, 吞没, 使全神贯注") == "vt. 卷入, 吸进, 吞没"
    # The computing line comes first, so the budget never cuts it; cards fold it into its POS.
    assert build.trim_gloss("n. 游标, 光标\n[计] 光标") == "[计] 光标; n. 游标"
    assert build.trim_gloss("n. 直译程序, 解释者, 口译者, 注释器\n[计] 注释器") == (
        "[计] 注释器; n. 直译程序, 解释者, 口译者"
    )
    assert build.trim_gloss("vt. 使完美, 使完善, 充分利用\nvi. 持乐观态度\n[计] 优化") == (
        "[计] 优化; vt. 使完美, 使完善, 充分利用; vi. 持乐观态度"
    )
    assert build.trim_gloss("[经] 可验证性") == "[经] 可验证性"
    long = build.trim_gloss("n. 善行, 好处, 利益\na. 好的, 优良的, 上等的, 愉快的\nadv. 好地\nvt. 使好转")
    assert len(long) <= build.MAX_GLOSS_CHARS
    assert long.startswith("n. 善行, 好处, 利益; a. 好的")


def test_capitalized_words_in_mid_sentence_are_names_not_vocabulary() -> None:
    dictionary = Dictionary.load(default_dictionary_path())
    words = [
        w.lemma for w in key_words("Lately I write Python in Cursor with tremendous enthusiasm.", dictionary)
    ]
    assert "python" not in words and "cursor" not in words
    assert "tremendous" in words or "enthusiasm" in words


def test_inflections_are_the_forms_on_the_lemmas_line(dictionary: Dictionary) -> None:
    assert dictionary.inflections("engulfed") == ("engulfed", "engulfing", "engulfs")
    assert dictionary.inflections("Engulf") == ("engulfed", "engulfing", "engulfs")
    assert dictionary.inflections("qwzxv") == ()
