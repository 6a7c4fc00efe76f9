"""Settings: file, environment and .env in the right order; bad values stop start-up clearly."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.settings import SettingsError, load_settings

PROJECT_CONFIG = Path(__file__).parent.parent / "config" / "buildspeak.toml"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No BUILDSPEAK_*, TELEGRAM_* or LLM_* from the machine, and no stray .env in the working directory."""
    import os

    for name in list(os.environ):
        if name.startswith(("BUILDSPEAK_", "TELEGRAM_", "LLM_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "buildspeak.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_documented_defaults_file_matches_the_built_in_defaults() -> None:
    from_file = load_settings(PROJECT_CONFIG)
    assert from_file.lessons == load_settings(write(Path.cwd(), "")).lessons
    assert from_file.calendar == load_settings(write(Path.cwd(), "")).calendar
    assert from_file.library == load_settings(write(Path.cwd(), "")).library, "the project's own library"


def test_every_key_of_the_settings_is_documented_in_the_defaults_file() -> None:
    import tomllib

    documented = tomllib.loads(PROJECT_CONFIG.read_text(encoding="utf-8"))
    settings = load_settings(PROJECT_CONFIG).model_dump()
    for key, value in settings.items():
        assert key in documented, key
        if isinstance(value, dict):
            assert set(value) == set(documented[key]), key


def test_environment_beats_dotenv_beats_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = write(tmp_path, "[lessons]\nmax_sentences = 14\nmin_words = 30\n[calendar]\ntimezone = 'UTC'\n")
    (tmp_path / ".env").write_text("BUILDSPEAK_LESSONS__MAX_SENTENCES=13\nBUILDSPEAK_LESSONS__MIN_WORDS=31\n")
    monkeypatch.setenv("BUILDSPEAK_LESSONS__MAX_SENTENCES", "12")
    settings = load_settings(config)
    assert settings.lessons.max_sentences == 12
    assert settings.lessons.min_words == 31
    assert settings.calendar.timezone == "UTC"


def test_config_file_can_be_named_by_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUILDSPEAK_CONFIG", str(write(tmp_path, "log_level = 'DEBUG'\n")))
    assert load_settings().log_level == "DEBUG"


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ("log_level = 'LOUD'", ["log_level = 'LOUD'", "'DEBUG', 'INFO', 'WARNING' or 'ERROR'"]),
        ("[calendar]\ntimezone = 'Mars/Base'", ["calendar.timezone", "IANA timezone", "Asia/Shanghai"]),
        (
            "[lessons]\nmin_words = 'many'",
            ["lessons.min_words", "valid integer", "BUILDSPEAK_LESSONS__MIN_WORDS"],
        ),
        ("[lessons]\nmax_sentences = 2", ["lessons", "min_sentences <= target_sentences <= max_sentences"]),
        ("[lessons]\nmax_sentence = 20", ["lessons.max_sentence", "unknown key"]),
        ("[calendar]\nstart = 'soon'", ["calendar.start", "date"]),
    ],
)
def test_bad_values_name_the_key_and_what_it_accepts(tmp_path: Path, toml: str, expected: list[str]) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(write(tmp_path, toml))
    for fragment in expected:
        assert fragment in str(raised.value)


def test_bad_environment_value_names_the_variable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("BUILDSPEAK_HTTP__TIMEOUT", "-1")
    with pytest.raises(SettingsError, match="BUILDSPEAK_HTTP__TIMEOUT"):
        load_settings(write(tmp_path, ""))


def test_unreadable_config_files_are_reported(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="not found"):
        load_settings(tmp_path / "missing.toml")
    with pytest.raises(SettingsError, match="not valid TOML"):
        load_settings(write(tmp_path, "this is = = not toml"))


def test_telegram_token_has_its_customary_name_below_ours(monkeypatch: pytest.MonkeyPatch) -> None:
    (Path.cwd() / ".env").write_text("TELEGRAM_API_BASE_URL=http://127.0.0.1:8081/\n")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:plain")
    settings = load_settings(PROJECT_CONFIG)
    assert settings.telegram.token is not None
    assert settings.telegram.token.get_secret_value() == "123:plain"
    assert settings.telegram.api_base_url == "http://127.0.0.1:8081"
    assert "123:plain" not in repr(settings)
    monkeypatch.setenv("BUILDSPEAK_TELEGRAM__TOKEN", "456:ours")
    assert load_settings(PROJECT_CONFIG).telegram.token.get_secret_value() == "456:ours"


def test_no_token_means_none_and_a_bad_database_url_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings(PROJECT_CONFIG).telegram.token is None
    monkeypatch.setenv("BUILDSPEAK_DATABASE__URL", "mysql://x")
    with pytest.raises(SettingsError, match=r"database.url .*postgresql\+psycopg://"):
        load_settings(PROJECT_CONFIG)


def test_no_llm_by_default_and_a_daily_question_budget() -> None:
    settings = load_settings(PROJECT_CONFIG)
    assert not settings.llm.configured and settings.llm.api_key is None
    assert settings.explain.daily_questions == 20 and settings.explain.max_question_chars == 300
    assert settings.explain.answer_deadline == 25.0
    assert settings.llm == load_settings(write(Path.cwd(), "")).llm
    assert settings.explain == load_settings(write(Path.cwd(), "")).explain


def test_the_llm_has_its_customary_names_and_its_key_stays_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    (Path.cwd() / ".env").write_text("LLM_API_KEY=sk-from-dotenv\nLLM_MODEL=deepseek-chat\n")
    monkeypatch.setenv("LLM_BASE_URL", "https://api.deepseek.com/v1/")
    settings = load_settings(PROJECT_CONFIG)
    assert settings.llm.configured
    assert settings.llm.base_url == "https://api.deepseek.com/v1"
    assert settings.llm.model == "deepseek-chat"
    assert settings.llm.api_key is not None and settings.llm.api_key.get_secret_value() == "sk-from-dotenv"
    assert "sk-from-dotenv" not in repr(settings)
    monkeypatch.setenv("BUILDSPEAK_LLM__MODEL", "qwen-plus")
    monkeypatch.setenv("BUILDSPEAK_EXPLAIN__DAILY_QUESTIONS", "5")
    settings = load_settings(PROJECT_CONFIG)
    assert (settings.llm.model, settings.explain.daily_questions) == ("qwen-plus", 5)


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ("[llm]\nbase_url = 'http://localhost:11434/v1'", ["llm", "set both base_url and model"]),
        ("[llm]\nmodel = 'gpt-4o-mini'", ["llm", "set both base_url and model"]),
        ("[llm]\nbase_url = 'localhost:11434'\nmodel = 'm'", ["llm.base_url", "http(s) URL", "LLM_BASE_URL"]),
        ("[llm]\ntimeout = 0", ["llm.timeout", "greater than 0"]),
        ("[explain]\ndaily_questions = -1", ["explain.daily_questions", "greater than or equal to 0"]),
        ("[explain]\nanswer_deadline = 0", ["explain.answer_deadline", "greater than 0"]),
    ],
)
def test_bad_llm_and_explain_values_are_explained(tmp_path: Path, toml: str, expected: list[str]) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(write(tmp_path, toml))
    for fragment in expected:
        assert fragment in str(raised.value)


def test_the_bundled_library_is_found_from_any_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`buildspeak` run outside the project reads the project's settings file; its library paths
    are the project's, not the folder's it was run from."""
    for name in list(os.environ):
        if name.startswith("BUILDSPEAK_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.library.path == PROJECT_CONFIG.parent.parent / "lessons" / "library"
    assert settings.library.path.is_dir() and any(settings.library.path.rglob("*.md"))
    assert settings.library.pins.parent == settings.library.path.parent


def test_a_dotenv_shared_with_compose_is_read_and_a_mistyped_key_of_ours_is_still_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(
        "POSTGRES_PASSWORD=secret\nDATABASE_WAIT_SECONDS=30\nADMIN_IDS=telegram:42\nLOG_FORMAT=json\n"
    )
    settings = load_settings(None)
    assert settings.admin.ids == ("telegram:42",) and settings.log_format == "json"
    (tmp_path / ".env").write_text("POSTGRES_PASSWORD=secret\nBUILDSPEAK_LESONS__MAX_SENTENCES=3\n")
    with pytest.raises(SettingsError, match="lesons"):
        load_settings(None)
