"""BuildSpeak's settings: one pydantic-settings class, read once by the composition root.

Precedence, highest first: environment variables (`BUILDSPEAK_…`, nested keys
joined by `__`, e.g. `BUILDSPEAK_LESSONS__MAX_SENTENCES=12`), then `.env`,
then the TOML file (`config/buildspeak.toml`, or the file named by
`BUILDSPEAK_CONFIG`), then the defaults below. A bad value stops start-up with
a message that names the key and what it accepts.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict

ENV_PREFIX = "BUILDSPEAK_"
PACKAGE_ROOT = Path(__file__).resolve().parent.parent


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LibrarySettings(_Section):
    path: Path = Field(default=PACKAGE_ROOT / "lessons" / "library", description="the content library folder")
    pins: Path = Field(default=PACKAGE_ROOT / "lessons" / "pins.toml", description="lessons pinned to dates")


class LessonSettings(_Section):
    min_sentences: int = Field(default=3, ge=1, le=50)
    min_words: int = Field(default=25, ge=1, le=2000)
    target_sentences: int = Field(default=10, ge=1, le=50)
    max_sentences: int = Field(default=15, ge=1, le=100)
    words_per_minute: int = Field(default=200, ge=50, le=1000)
    min_teaching_value: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="score a lesson needs to be scheduled (lessons/teaching_value.py); 0 schedules all",
    )

    @model_validator(mode="after")
    def _ordered(self) -> LessonSettings:
        if not self.min_sentences <= self.target_sentences <= self.max_sentences:
            raise ValueError("needs min_sentences <= target_sentences <= max_sentences")
        return self


class CalendarSettings(_Section):
    start: dt.date = Field(default=dt.date(2026, 11, 1), description="the first day of the lesson calendar")
    timezone: str = Field(default="Asia/Shanghai", description="the timezone whose date is 'today'")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return validate_timezone(value)


class AudioSettings(_Section):
    cache_dir: Path = Field(default=Path("data/audio"), description="where synthesized MP3s are kept")
    gtts: bool = Field(default=True, description="use gTTS (Google) first")
    gtts_base_url: str = Field(default="", description="gTTS endpoint; empty = Google's")
    lang: str = Field(default="en", min_length=2)
    tld: str = Field(default="com", min_length=2, description="Google domain for gTTS's accent")
    timeout: float = Field(default=10.0, gt=0, le=120)
    offline_voice: str = Field(default="en-us", description="espeak-ng voice; empty disables it")

    @field_validator("gtts_base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must be empty (Google's endpoint) or an http(s) URL like http://127.0.0.1:8080")
        return value


class DatabaseSettings(_Section):
    url: str = Field(
        default="sqlite:///data/buildspeak.db",
        description="SQLAlchemy URL: sqlite:///path or postgresql+psycopg://user:pass@host/db",
    )

    @field_validator("url")
    @classmethod
    def _supported(cls, value: str) -> str:
        if not value.startswith(("sqlite://", "postgresql+psycopg://")):
            raise ValueError(
                "must be sqlite:///path/to/file.db or postgresql+psycopg://user:password@host:5432/dbname"
            )
        return value


HTTP = ("http://", "https://")


def none_if_empty(value: object) -> object:
    """An empty value in `.env` or the TOML file means "not set"."""
    return None if value in ("", None) else value


def url_of(value: str, schemes: tuple[str, ...], wanted: str) -> str:
    """A service's address, without a trailing slash; anything else is refused saying what is wanted."""
    if not value.startswith(schemes):
        raise ValueError(f"must be {wanted}")
    return value.rstrip("/")


class TelegramSettings(_Section):
    token: SecretStr | None = Field(default=None, description="from @BotFather; also TELEGRAM_BOT_TOKEN")
    api_base_url: str = Field(
        default="https://api.telegram.org",
        description="Bot API server: a local telegram-bot-api or a test fake. Also TELEGRAM_API_BASE_URL",
    )

    webhook_url: str | None = Field(
        default=None,
        description="the public https URL Telegram posts updates to; set, the bot takes updates by "
        "webhook instead of polling. Also TELEGRAM_WEBHOOK_URL",
    )
    webhook_secret: SecretStr | None = Field(
        default=None,
        description="the secret_token Telegram sends with every webhook request (1-256 of A-Z a-z 0-9 _ -); "
        "empty: derived from the bot token, so every worker agrees. Also TELEGRAM_WEBHOOK_SECRET",
    )

    @field_validator("token", "webhook_url", "webhook_secret", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return none_if_empty(value)

    @field_validator("api_base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        return url_of(value, HTTP, "an http(s) URL like https://api.telegram.org or http://127.0.0.1:8081")

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        return (
            None
            if value is None
            else url_of(value, HTTP, "an http(s) URL like https://bot.example.com/telegram")
        )

    @field_validator("webhook_secret")
    @classmethod
    def _secret_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()):
            raise ValueError("Telegram accepts 1 to 256 characters of A-Z, a-z, 0-9, _ and -")
        return value


class DiscordSettings(_Section):
    token: SecretStr | None = Field(
        default=None, description="the bot's token (Developer Portal → Bot); also DISCORD_BOT_TOKEN"
    )
    api_base_url: str = Field(
        default="https://discord.com/api/v10",
        description="REST API: Discord's, or a local stand-in. Also DISCORD_API_BASE_URL",
    )
    gateway_url: str = Field(
        default="wss://gateway.discord.gg",
        description="the gateway websocket: Discord's, or a local stand-in. Also DISCORD_GATEWAY_URL",
    )
    test_guild_id: int | None = Field(
        default=None,
        description="sync the commands to this server at once (development); also DISCORD_TEST_GUILD_ID",
    )

    @field_validator("token", "test_guild_id", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return none_if_empty(value)

    @field_validator("api_base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        return url_of(value, HTTP, "an http(s) URL like https://discord.com/api/v10")

    @field_validator("gateway_url")
    @classmethod
    def _ws_url(cls, value: str) -> str:
        return url_of(value, ("ws://", "wss://"), "a ws(s) URL like wss://gateway.discord.gg")


class PushSettings(_Section):
    enabled: bool = Field(default=True, description="send the daily lesson at each subscriber's lesson time")
    default_lesson_time: dt.time = Field(default=dt.time(8, 0), description="a new subscriber's lesson time")
    check_every: float = Field(default=60.0, ge=1, le=3600, description="seconds between due checks")
    per_second: float = Field(default=30.0, gt=0, le=100_000, description="messages a second, overall")
    per_chat_per_second: float = Field(default=1.0, gt=0, le=100, description="messages a second, per chat")
    group_per_minute: float = Field(default=20.0, gt=0, le=6000, description="messages a minute, per group")
    headroom: float = Field(default=0.03, ge=0, lt=0.5, description="share of each limit left unused")
    max_in_flight: int = Field(default=64, ge=1, le=10_000, description="claimed, unconfirmed sends at most")
    batch_size: int = Field(default=500, ge=1, le=50_000, description="due subscribers read per query")
    retry_attempts: int = Field(default=5, ge=1, le=20, description="tries for network errors and 5xx")
    retry_base_delay: float = Field(default=1.0, ge=0, le=600, description="first backoff, seconds")
    retry_max_delay: float = Field(default=60.0, ge=0, le=3600, description="longest backoff, seconds")
    rate_limited_attempts: int = Field(default=10, ge=1, le=100, description="429s honoured per message")

    @model_validator(mode="after")
    def _ordered(self) -> PushSettings:
        if self.retry_base_delay > self.retry_max_delay:
            raise ValueError("needs retry_base_delay <= retry_max_delay")
        return self


class ReplySettings(_Section):
    """How replies reach people: sent again through a platform's hiccups, and kept across a stop."""

    give_up_after: float = Field(
        default=30.0, ge=0, le=600, description="seconds a reply is retried through network errors and 5xx"
    )
    retry_base_delay: float = Field(default=0.5, ge=0, le=60, description="first backoff, seconds")
    retry_max_delay: float = Field(default=8.0, ge=0, le=600, description="longest backoff, seconds")
    rate_limited_attempts: int = Field(default=10, ge=1, le=100, description="429s honoured per call")
    stop_grace: float = Field(
        default=4.0, ge=0, le=60, description="seconds a stop gives queued replies (the rest: next start)"
    )
    handling_attempts: int = Field(
        default=3, ge=1, le=20, description="times an update's handling may begin before it is given up"
    )

    @model_validator(mode="after")
    def _ordered(self) -> ReplySettings:
        if self.retry_base_delay > self.retry_max_delay:
            raise ValueError("needs retry_base_delay <= retry_max_delay")
        return self


ROLE_NAMES = ("telegram", "discord", "push", "console")


class RuntimeSettings(_Section):
    """Which roles this process runs, and how workers of one deployment know of each other."""

    # NoDecode: `BUILDSPEAK_RUNTIME__ROLES=telegram,push` as people type it, not as a JSON list.
    roles: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(),
        description="roles to run (telegram, discord, push, console); empty = every role the settings enable",
    )
    heartbeat_every: float = Field(default=10.0, gt=0, le=600, description="seconds between heartbeats")
    worker_timeout: float = Field(
        default=30.0,
        gt=0,
        le=3600,
        description="seconds without a heartbeat before a worker is taken for dead",
    )

    @field_validator("roles", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        return (
            tuple(part.strip() for part in value.split(",") if part.strip())
            if isinstance(value, str)
            else value
        )

    @field_validator("roles")
    @classmethod
    def _known(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [role for role in value if role not in ROLE_NAMES]
        if unknown:
            raise ValueError(f"unknown role {', '.join(unknown)}: choose from {', '.join(ROLE_NAMES)}")
        return value

    @model_validator(mode="after")
    def _outlives_heartbeat(self) -> RuntimeSettings:
        if self.worker_timeout < 2 * self.heartbeat_every:
            raise ValueError("needs worker_timeout >= 2 × heartbeat_every, or a slow beat looks like a death")
        return self


class LlmSettings(_Section):
    """An OpenAI-compatible chat-completions endpoint for explanations; no base_url and model = none."""

    base_url: str = Field(
        default="",
        description="e.g. https://api.openai.com/v1 or http://localhost:11434/v1; also LLM_BASE_URL",
    )
    api_key: SecretStr | None = Field(default=None, description="sent as a bearer token; also LLM_API_KEY")
    model: str = Field(default="", description="the model name the endpoint expects; also LLM_MODEL")
    timeout: float = Field(default=20.0, gt=0, le=300, description="seconds one attempt may take")
    retries: int = Field(default=2, ge=0, le=10, description="retries after a 429, a 5xx or a dropped line")
    max_answer_tokens: int = Field(default=700, ge=50, le=8000, description="max_tokens sent to the model")
    max_answer_chars: int = Field(default=1500, ge=100, le=4000, description="an answer is cut to this")
    max_prompt_chars: int = Field(default=6000, ge=500, le=100_000, description="a prompt is cut to this")

    @field_validator("api_key", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return none_if_empty(value)

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must be empty (no LLM) or an http(s) URL like https://api.deepseek.com/v1")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _both_or_neither(self) -> LlmSettings:
        if bool(self.base_url) != bool(self.model.strip()):
            raise ValueError("set both base_url and model (LLM_BASE_URL, LLM_MODEL), or neither for no LLM")
        return self

    @property
    def configured(self) -> bool:
        return bool(self.base_url and self.model.strip())


class ExplainSettings(_Section):
    """How much a person may ask the model: offline answers are unlimited, AI answers cost money."""

    daily_questions: int = Field(default=20, ge=0, le=10_000, description="AI answers a person gets a day")
    max_question_chars: int = Field(default=300, ge=20, le=2000, description="longer questions are refused")
    answer_deadline: float = Field(
        default=25.0, gt=0, le=300, description="seconds a learner waits for the model in all; then offline"
    )


class QuizSettings(_Section):
    """The daily quiz and the review schedule behind it (FSRS)."""

    default_quiz_time: dt.time = Field(default=dt.time(21, 0), description="a new chat's quiz time")
    max_questions: int = Field(default=8, ge=1, le=30, description="words in one quiz at most")
    today_words: int = Field(default=4, ge=1, le=10, description="words in a quiz on today's lesson")
    group_questions: int = Field(default=4, ge=1, le=10, description="polls in a group's daily quiz")
    group_minutes: int = Field(
        default=60, ge=5, le=24 * 60, description="minutes a group quiz stays open before its results"
    )
    build_ahead_minutes: int = Field(
        default=30,
        ge=0,
        le=12 * 60,
        description="minutes before quiz time that each quiz is built (0: at quiz time, by the push)",
    )
    desired_retention: float = Field(
        default=0.9, gt=0.5, lt=1.0, description="the recall rate FSRS schedules for"
    )
    maximum_interval: int = Field(default=3650, ge=30, le=36500, description="days between reviews at most")
    fuzz: bool = Field(default=True, description="spread reviews by a few days so words don't come in heaps")
    fast_choice: float = Field(
        default=5.0, gt=0, le=120, description="seconds: a right pick this fast is Easy"
    )
    slow_choice: float = Field(
        default=15.0, gt=0, le=600, description="seconds: a right pick this slow is Hard"
    )
    fast_typed: float = Field(
        default=8.0, gt=0, le=120, description="seconds: a right word this fast is Easy"
    )
    slow_typed: float = Field(
        default=20.0, gt=0, le=600, description="seconds: a right word this slow is Hard"
    )
    known_stability: float = Field(
        default=21.0, gt=0, le=3650, description="days of stability from which a word counts as known"
    )

    @model_validator(mode="after")
    def _fast_before_slow(self) -> QuizSettings:
        if self.fast_choice >= self.slow_choice or self.fast_typed >= self.slow_typed:
            raise ValueError("needs fast_choice < slow_choice and fast_typed < slow_typed")
        return self


class WebSettings(_Section):
    """The bot's own HTTP server: Telegram's webhook, /healthz, /metrics and the reader."""

    enabled: bool = Field(default=True, description="serve HTTP while the bot runs (not for the console)")
    host: str = Field(default="127.0.0.1", description="address to listen on; 0.0.0.0 in a container")
    port: int = Field(default=8080, ge=0, le=65535, description="port to listen on; 0 picks a free one")
    webhook_path: str = Field(default="/telegram", description="the path Telegram's webhook requests come to")
    reader: bool = Field(
        default=True, description="serve the reader (今日 / 归档 / 生词本 / 关于) on this app"
    )
    public_url: str = Field(
        default="",
        description="the reader's address as people reach it (https://… for the Telegram Mini App); "
        "empty: no reader buttons or /web links in chats",
    )
    session_days: int = Field(default=30, ge=1, le=365, description="days a web sign-in lasts")
    sign_in_minutes: int = Field(
        default=15, ge=1, le=1440, description="minutes a /web sign-in link is valid"
    )
    init_data_max_age: int = Field(
        default=86400, ge=60, le=30 * 86400, description="seconds a Mini App's Telegram init data stays valid"
    )

    @field_validator("webhook_path")
    @classmethod
    def _absolute(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError("a path starting with /, like /telegram")
        return value

    @field_validator("public_url")
    @classmethod
    def _web_address(cls, value: str) -> str:
        if value and not value.startswith(("https://", "http://")):
            raise ValueError("an address starting with https:// (or http:// for a local test)")
        return value.rstrip("/")


class AdminSettings(_Section):
    """Who may run /admin: user ids, `telegram:123` or `discord:456` (a bare id counts on both)."""

    # NoDecode: `ADMIN_IDS=telegram:123,discord:456` as people type it, not as a JSON list.
    ids: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(), description="admins' user ids; also ADMIN_IDS (comma-separated)"
    )

    @field_validator("ids", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str | int):
            return tuple(part.strip() for part in str(value).split(",") if part.strip())
        return value

    @field_validator("ids")
    @classmethod
    def _well_formed(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for item in value:
            platform, _, user = item.rpartition(":")
            if platform not in ("", "telegram", "discord") or not user.isdigit():
                raise ValueError(f"{item!r}: use a numeric user id, optionally as telegram:ID or discord:ID")
        return value


class SourcesSettings(_Section):
    """Following builders: the sources file, the daily fetch, and the review queue it fills."""

    path: Path = Field(
        default=Path("config/sources.toml"), description="the sources file: which feeds and blog folders"
    )
    review: Path = Field(
        default=Path("data/review"),
        description="where fetched posts wait for review; outside the library, which the calendar reads",
    )
    fetch_time: dt.time = Field(default=dt.time(6, 0), description="the daily fetch ([calendar] timezone)")
    timeout: float = Field(default=20.0, gt=0, le=300, description="seconds one source may take in all")
    max_bytes: int = Field(
        default=5_000_000, ge=10_000, le=100_000_000, description="bigger answers are refused at the cap"
    )
    concurrency: int = Field(default=8, ge=1, le=64, description="sources fetched at once")
    auto_approve: bool = Field(
        default=False, description="queued posts that pass every check join the library without a person"
    )
    digest_time: dt.time = Field(
        default=dt.time(9, 0),
        description="the admins' review digest and days-left warning ([calendar] timezone)",
    )
    warn_below_days: int = Field(
        default=14,
        ge=1,
        le=365,
        description="fewer days of new lessons than this: the admins are told, daily",
    )


class HttpSettings(_Section):
    timeout: float = Field(default=20.0, gt=0, le=300, description="seconds before a fetch gives up")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="forbid",
        frozen=True,
    )

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"  # also LOG_FORMAT
    library: LibrarySettings = LibrarySettings()
    lessons: LessonSettings = LessonSettings()
    calendar: CalendarSettings = CalendarSettings()
    audio: AudioSettings = AudioSettings()
    http: HttpSettings = HttpSettings()
    database: DatabaseSettings = DatabaseSettings()
    telegram: TelegramSettings = TelegramSettings()
    discord: DiscordSettings = DiscordSettings()
    push: PushSettings = PushSettings()
    replies: ReplySettings = ReplySettings()
    runtime: RuntimeSettings = RuntimeSettings()
    llm: LlmSettings = LlmSettings()
    explain: ExplainSettings = ExplainSettings()
    quiz: QuizSettings = QuizSettings()
    web: WebSettings = WebSettings()
    admin: AdminSettings = AdminSettings()
    sources: SourcesSettings = SourcesSettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The TOML file's values arrive as init arguments; they rank below the environment.
        # The platforms' customary variable names (TELEGRAM_BOT_TOKEN) rank just below ours.
        aliases = _PlainNames(settings_cls)
        dotenv = _WithoutPlainNames(settings_cls, dotenv_settings)
        return env_settings, dotenv, aliases, init_settings, file_secret_settings


# (section, key); an empty section names a top-level key.
PLAIN_NAMES: dict[str, tuple[str, str]] = {
    "TELEGRAM_BOT_TOKEN": ("telegram", "token"),
    "TELEGRAM_API_BASE_URL": ("telegram", "api_base_url"),
    "TELEGRAM_WEBHOOK_URL": ("telegram", "webhook_url"),
    "TELEGRAM_WEBHOOK_SECRET": ("telegram", "webhook_secret"),
    "DISCORD_BOT_TOKEN": ("discord", "token"),
    "DISCORD_API_BASE_URL": ("discord", "api_base_url"),
    "DISCORD_GATEWAY_URL": ("discord", "gateway_url"),
    "DISCORD_TEST_GUILD_ID": ("discord", "test_guild_id"),
    "LLM_BASE_URL": ("llm", "base_url"),
    "LLM_API_KEY": ("llm", "api_key"),
    "LLM_MODEL": ("llm", "model"),
    "ADMIN_IDS": ("admin", "ids"),
    "LOG_FORMAT": ("", "log_format"),
}


class _WithoutPlainNames(PydanticBaseSettingsSource):
    """The `.env` source minus the plain names (`_PlainNames` reads those) and minus names that are
    not ours at all: one `.env` serves a deployment, and compose's POSTGRES_PASSWORD beside our
    keys is no mistake. A mistyped BUILDSPEAK_ key is still refused."""

    def __init__(self, settings_cls: type[BaseSettings], inner: PydanticBaseSettingsSource) -> None:
        super().__init__(settings_cls)
        self.inner = inner

    def __call__(self) -> dict[str, Any]:
        plain = {name.lower() for name in PLAIN_NAMES}
        fields = set(self.settings_cls.model_fields)

        def ours(key: str) -> bool:
            name = key.lower()
            return name not in plain and (name in fields or name.startswith(ENV_PREFIX.lower()))

        return {key: value for key, value in self.inner().items() if ours(key)}

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False


class _PlainNames(PydanticBaseSettingsSource):
    """Reads the un-prefixed names in PLAIN_NAMES from the environment, then from `.env`."""

    def __call__(self) -> dict[str, Any]:
        found = {**dotenv_values(".env"), **os.environ}
        values: dict[str, dict[str, Any]] = {}
        for name, (section, key) in PLAIN_NAMES.items():
            if not found.get(name):
                continue
            if section:
                values.setdefault(section, {})[key] = found[name]
            else:  # a top-level key (LOG_FORMAT)
                values[key] = found[name]
        return values

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False


class SettingsError(ValueError):
    """Settings that cannot be used; the message is meant for the person starting the bot."""


def validate_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("must be an IANA timezone name such as Asia/Shanghai or UTC") from None
    return value


def default_config_file(environ: Mapping[str, str]) -> Path | None:
    """`BUILDSPEAK_CONFIG`, else ./config/buildspeak.toml, else the project's own."""
    named = environ.get(f"{ENV_PREFIX}CONFIG")
    if named:
        return Path(named)
    for candidate in (Path("config/buildspeak.toml"), PACKAGE_ROOT / "config" / "buildspeak.toml"):
        if candidate.is_file():
            return candidate
    return None


def load_settings(config_file: Path | None = None) -> Settings:
    """Read settings from the file and the environment, or raise SettingsError saying what to fix."""
    config_file = config_file or default_config_file(os.environ)
    file_values = _anchored(_read_toml(config_file), config_file) if config_file else {}
    try:
        return Settings(**file_values)
    except ValidationError as error:
        raise SettingsError(_explain(error, config_file)) from None


def _anchored(values: dict[str, Any], config_file: Path) -> dict[str, Any]:
    """The project's own settings file names the bundled library relative to the project: read from
    another folder (`buildspeak` run elsewhere), those paths must still lead to it, not to the cwd."""
    if config_file.resolve() != (PACKAGE_ROOT / "config" / "buildspeak.toml").resolve():
        return values
    library = dict(values.get("library", {}))
    for key in ("path", "pins"):
        if key in library and not Path(library[key]).is_absolute():
            library[key] = str(PACKAGE_ROOT / library[key])
    return {**values, "library": library}


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SettingsError(f"config file not found: {path}") from None
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"{path}: not valid TOML: {error}") from None


def _explain(error: ValidationError, config_file: Path | None) -> str:
    lines = ["设置有误 / invalid settings:"]
    for problem in error.errors():
        key = ".".join(str(part) for part in problem["loc"] if part != "__root__")
        env_name = ENV_PREFIX + key.upper().replace(".", "__")
        env_name += "".join(f" or {plain}" for plain, path in PLAIN_NAMES.items() if ".".join(path) == key)
        given = problem.get("input")
        shown = "" if isinstance(given, dict) else f" = {given!r}"
        lines.append(
            f"  {key}{shown}: {_accepts(problem)}  (set in {config_file or 'defaults'} or {env_name})"
        )
    return "\n".join(lines)


def _accepts(problem: Mapping[str, Any]) -> str:
    if problem["type"] == "extra_forbidden":
        return "unknown key (see config/buildspeak.toml for the accepted keys)"
    message = str(problem["msg"])
    return message.removeprefix("Value error, ")
