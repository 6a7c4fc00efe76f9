"""Audio asked for, by where it came from: made by gTTS (the local fake of Google's endpoint) or the
offline voice, found in the cache, or none. The content side only tells an observer; the bot's
composition root makes that observer count into its metrics."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.observability.metrics import Metrics
from lessons.audio import AudioConfig, Synthesizer
from tests.fakes.gtts_server import FakeGTTSServer, Mode
from tests.observability.scrape import value

SENTENCE = "Ship small changes every day and watch what users do."


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """gTTS hands the environment's proxies to requests itself (ignoring NO_PROXY); keep it local."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def fake() -> Iterator[FakeGTTSServer]:
    with FakeGTTSServer() as server:
        yield server


def audio(metrics: Metrics, source: str) -> float:
    return value(metrics, "buildspeak_audio_total", source=source)


def test_synthesized_then_cached(tmp_path: Path, fake: FakeGTTSServer, metrics: Metrics) -> None:
    config = AudioConfig(cache_dir=tmp_path, gtts_base_url=fake.url, timeout=5, offline_voice=None)
    speaker = Synthesizer(config, on_audio=metrics.count_audio)
    speaker.synthesize(SENTENCE)
    speaker.synthesize(SENTENCE)
    speaker.synthesize(SENTENCE, slow=True)

    assert (audio(metrics, "gtts"), audio(metrics, "cached")) == (2, 1)


def test_no_voice_at_all_is_none(tmp_path: Path, fake: FakeGTTSServer, metrics: Metrics) -> None:
    fake.mode = Mode.ERROR
    config = AudioConfig(cache_dir=tmp_path, gtts_base_url=fake.url, timeout=5, offline_voice=None)
    assert Synthesizer(config, on_audio=metrics.count_audio).synthesize(SENTENCE) is None
    assert audio(metrics, "none") == 1 and audio(metrics, "gtts") == 0


def test_the_offline_voice_is_offline(tmp_path: Path, metrics: Metrics) -> None:
    if shutil.which("espeak-ng") is None or shutil.which("lame") is None:
        pytest.skip("espeak-ng and lame not installed; run scripts/install-system-deps.sh as root")
    speaker = Synthesizer(AudioConfig(cache_dir=tmp_path, gtts_enabled=False), on_audio=metrics.count_audio)
    speaker.synthesize(SENTENCE)
    speaker.synthesize(SENTENCE)

    assert (audio(metrics, "offline"), audio(metrics, "cached")) == (1, 1)


def test_without_an_observer_nothing_is_told(tmp_path: Path, fake: FakeGTTSServer) -> None:
    config = AudioConfig(cache_dir=tmp_path, gtts_base_url=fake.url, timeout=5, offline_voice=None)
    assert Synthesizer(config).synthesize(SENTENCE) is not None
