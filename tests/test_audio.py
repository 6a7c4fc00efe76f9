"""Audio: the real gTTS library against a local fake of Google's endpoint, the offline voice, the cache.

Nothing here touches the internet: every Synthesizer points gTTS at the fake
(or at a closed local port). The offline-voice tests need espeak-ng and lame
(scripts/install-system-deps.sh) and are skipped, saying so, without them.
"""

from __future__ import annotations

import logging
import math
import re
import shutil
import subprocess
import wave
from array import array
from collections.abc import Iterator
from pathlib import Path

import pytest
from gtts import gTTS

from lessons.audio import AudioConfig, EndpointGTTS, Synthesizer, mp3_seconds
from tests.fakes.gtts_server import (
    BATCHEXECUTE_PATH,
    FakeGTTSServer,
    Mode,
    fake_speech,
    silent_mp3,
    speech_seconds,
    unreachable_url,
)

SENTENCE = "Ship small changes every day and watch what users do."  # 10 words
LESSON = " ".join(
    [
        "Most of the work is not writing code; it is deciding what not to build.",
        "We cut the feature list in half, shipped on Friday, and read every reply over the weekend.",
        "The bug reports told us more than the roadmap ever did, so we rewrote the roadmap.",
        "Small teams win because they can change their minds quickly, before the plan hardens.",
        "If a change takes a week to review, make it smaller until it takes an hour.",
        "Measure what users do, not what they say they will do, and keep the numbers honest.",
    ]
)


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """gTTS passes the environment's proxies to requests explicitly (ignoring NO_PROXY); keep it local."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def fake() -> Iterator[FakeGTTSServer]:
    with FakeGTTSServer() as server:
        yield server


@pytest.fixture
def config(tmp_path: Path, fake: FakeGTTSServer) -> AudioConfig:
    return AudioConfig(cache_dir=tmp_path / "audio", gtts_base_url=fake.url, timeout=5, gtts_retry_after=0)


@pytest.fixture
def offline_tools() -> None:
    missing = [tool for tool in ("espeak-ng", "lame") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"{' and '.join(missing)} not installed; run scripts/install-system-deps.sh as root")


def decode(path: Path, work: Path) -> tuple[array, int]:
    """16-bit samples and sample rate of an MP3, decoded by lame (independent of our frame walker)."""
    wav = work / f"{path.stem}.wav"
    subprocess.run(["lame", "--quiet", "--decode", str(path), str(wav)], check=True)
    with wave.open(str(wav), "rb") as reader:
        assert reader.getsampwidth() == 2
        samples = array("h", reader.readframes(reader.getnframes()))
        return samples, reader.getframerate() * reader.getnchannels()


def rms(samples: array) -> float:
    return math.sqrt(sum(sample * sample for sample in samples) / len(samples))


def starts_like_mp3(data: bytes) -> bool:
    return data.startswith(b"ID3") or (data[0] == 0xFF and data[1] & 0xE0 == 0xE0)


# The endpoint setting


def test_endpoint_replaces_only_scheme_and_host() -> None:
    google = gTTS(SENTENCE, lang_check=False)
    local = EndpointGTTS(SENTENCE, base_url="http://127.0.0.1:9/mirror/", lang_check=False)

    assert [r.url for r in local._prepare_requests()] == [f"http://127.0.0.1:9/mirror{BATCHEXECUTE_PATH}"]
    assert local.get_bodies() == google.get_bodies()
    assert dict(local._prepare_requests()[0].headers) == dict(google._prepare_requests()[0].headers)


def test_endpoint_defaults_to_google() -> None:
    default = EndpointGTTS(SENTENCE, lang_check=False)
    british = EndpointGTTS(SENTENCE, tld="co.uk", lang_check=False)

    assert default._prepare_requests()[0].url == f"https://translate.google.com{BATCHEXECUTE_PATH}"
    assert british._prepare_requests()[0].url == f"https://translate.google.co.uk{BATCHEXECUTE_PATH}"
    assert AudioConfig(cache_dir=Path("audio")).gtts_base_url is None


def test_config_rejects_a_base_url_that_is_not_http(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="http"):
        AudioConfig(cache_dir=tmp_path, gtts_base_url="translate.example.com")


# gTTS through the fake


def test_gtts_writes_the_mp3_the_endpoint_sent(config: AudioConfig, fake: FakeGTTSServer) -> None:
    audio = Synthesizer(config).synthesize(SENTENCE)

    assert audio is not None
    assert (audio.voice, audio.cached) == ("gtts", False)
    assert audio.path.parent == config.cache_dir
    data = audio.path.read_bytes()
    assert starts_like_mp3(data)
    assert data == fake_speech(SENTENCE, False)
    assert audio.seconds == pytest.approx(speech_seconds(SENTENCE, False), abs=0.03)
    [request] = fake.requests
    assert (request.path, request.text, request.lang, request.slow) == (
        BATCHEXECUTE_PATH,
        SENTENCE,
        "en",
        False,
    )


def test_same_text_is_never_synthesized_twice(config: AudioConfig, fake: FakeGTTSServer) -> None:
    synthesizer = Synthesizer(config)
    first = synthesizer.synthesize(SENTENCE)
    again = synthesizer.synthesize(f"  {SENTENCE.replace(' ', '  ')}\n")
    after_restart = Synthesizer(config).synthesize(SENTENCE)

    assert first is not None and again is not None and after_restart is not None
    assert (first.cached, again.cached, after_restart.cached) == (False, True, True)
    assert first.path == again.path == after_restart.path
    assert again.seconds == first.seconds
    assert len(fake.requests) == 1
    stats = synthesizer.stats
    assert (stats.hits, stats.misses, stats.made_gtts, stats.made_offline) == (1, 1, 1, 0)


def test_slow_speech_is_requested_and_cached_apart(config: AudioConfig, fake: FakeGTTSServer) -> None:
    synthesizer = Synthesizer(config)
    normal = synthesizer.synthesize(SENTENCE)
    slow = synthesizer.synthesize(SENTENCE, slow=True)
    slow_again = synthesizer.synthesize(SENTENCE, slow=True)

    assert normal is not None and slow is not None and slow_again is not None
    assert slow.path != normal.path
    assert (slow.cached, slow_again.cached, slow_again.path) == (False, True, slow.path)
    assert [request.slow for request in fake.requests] == [False, True]
    assert slow.path.read_bytes() == fake_speech(SENTENCE, True)
    assert slow.seconds is not None and normal.seconds is not None and slow.seconds > normal.seconds


def test_a_whole_lesson_is_sent_in_parts_and_joined(config: AudioConfig, fake: FakeGTTSServer) -> None:
    audio = Synthesizer(config).synthesize(LESSON)

    assert audio is not None and audio.voice == "gtts"
    parts = [request.text for request in fake.requests]
    assert len(parts) > 1
    assert all(len(part) <= 100 for part in parts)
    assert re.findall(r"[\w']+", " ".join(parts)) == re.findall(
        r"[\w']+", LESSON
    )  # gTTS drops cut punctuation
    assert audio.path.read_bytes() == b"".join(fake_speech(part, False) for part in parts)
    assert audio.seconds == pytest.approx(
        sum(speech_seconds(part, False) for part in parts), abs=0.03 * len(parts)
    )


def test_an_unreadable_cache_file_is_made_again(config: AudioConfig, fake: FakeGTTSServer) -> None:
    synthesizer = Synthesizer(config)
    first = synthesizer.synthesize(SENTENCE)
    assert first is not None
    first.path.write_bytes(b"<html>not audio</html>")

    again = synthesizer.synthesize(SENTENCE)

    assert again is not None and again.path == first.path and not again.cached
    assert again.path.read_bytes() == fake_speech(SENTENCE, False)
    assert len(fake.requests) == 2


def test_a_text_with_nothing_to_say_gets_no_audio(config: AudioConfig, fake: FakeGTTSServer) -> None:
    synthesizer = Synthesizer(config)

    assert synthesizer.synthesize(" — ... ") is None
    assert fake.requests == []


# Offline voice


@pytest.mark.usefixtures("offline_tools")
@pytest.mark.parametrize("failure", [Mode.ERROR, Mode.CLOSE, Mode.NO_AUDIO, "down"])
def test_offline_voice_speaks_when_gtts_fails(
    failure: Mode | str, tmp_path: Path, config: AudioConfig, fake: FakeGTTSServer
) -> None:
    if failure == "down":
        fake.stop()
        config = AudioConfig(cache_dir=config.cache_dir, gtts_base_url=unreachable_url(), timeout=5)
    else:
        fake.mode = Mode(failure)

    audio = Synthesizer(config).synthesize(SENTENCE)

    assert audio is not None
    assert (audio.voice, audio.cached) == ("espeak-ng", False)
    assert starts_like_mp3(audio.path.read_bytes())
    samples, rate = decode(audio.path, tmp_path)
    assert 1.0 <= len(samples) / rate <= 10.0
    assert audio.seconds is not None and 1.0 <= audio.seconds <= 10.0
    assert rms(samples) > 300  # speech, not silence (full scale is 32767)
    assert [path.name for path in config.cache_dir.iterdir()] == [audio.path.name]  # no .part files left


@pytest.mark.usefixtures("offline_tools")
def test_offline_file_is_reused_while_gtts_is_down(config: AudioConfig, fake: FakeGTTSServer) -> None:
    fake.mode = Mode.ERROR
    synthesizer = Synthesizer(config)
    first = synthesizer.synthesize(SENTENCE)
    again = synthesizer.synthesize(SENTENCE)

    assert first is not None and again is not None
    assert (again.voice, again.cached, again.path) == ("espeak-ng", True, first.path)
    assert len(fake.requests) == 2  # gTTS was asked each time (no pause configured), espeak-ng once
    stats = synthesizer.stats
    assert (stats.hits, stats.misses, stats.made_offline) == (1, 1, 1)


@pytest.mark.usefixtures("offline_tools")
def test_gtts_replaces_the_offline_file_once_it_is_back(config: AudioConfig, fake: FakeGTTSServer) -> None:
    synthesizer = Synthesizer(config)
    fake.mode = Mode.ERROR
    offline = synthesizer.synthesize(SENTENCE)
    fake.mode = Mode.SPEAK
    upgraded = synthesizer.synthesize(SENTENCE)
    then = synthesizer.synthesize(SENTENCE)

    assert offline is not None and upgraded is not None and then is not None
    assert offline.voice == "espeak-ng"
    assert (upgraded.voice, upgraded.cached) == ("gtts", False)
    assert (then.voice, then.cached, then.path) == ("gtts", True, upgraded.path)


@pytest.mark.usefixtures("offline_tools")
def test_slow_offline_speech_is_longer(tmp_path: Path) -> None:
    config = AudioConfig(cache_dir=tmp_path / "audio", gtts_enabled=False)
    synthesizer = Synthesizer(config)
    normal = synthesizer.synthesize(SENTENCE)
    slow = synthesizer.synthesize(SENTENCE, slow=True)

    assert normal is not None and slow is not None and normal.path != slow.path
    normal_samples, normal_rate = decode(normal.path, tmp_path)
    slow_samples, slow_rate = decode(slow.path, tmp_path)
    assert len(slow_samples) / slow_rate > 1.2 * len(normal_samples) / normal_rate


@pytest.mark.usefixtures("offline_tools")
def test_a_sentence_starting_with_a_dash_is_spoken_not_taken_as_an_option(tmp_path: Path) -> None:
    synthesizer = Synthesizer(AudioConfig(cache_dir=tmp_path / "audio", gtts_enabled=False))

    audio = synthesizer.synthesize("-v is the flag that prints the version of the tool.")

    assert audio is not None and audio.seconds is not None and audio.seconds > 1.0


# Neither voice


def test_without_any_voice_there_is_no_audio_and_each_cause_is_logged_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = AudioConfig(
        cache_dir=tmp_path / "audio",
        gtts_base_url=unreachable_url(),
        timeout=5,
        gtts_retry_after=0,
        espeak_binary=str(tmp_path / "no-such-espeak-ng"),
    )
    synthesizer = Synthesizer(config)

    with caplog.at_level(logging.WARNING, logger="lessons.audio"):
        results = [synthesizer.synthesize(f"{SENTENCE} Take {n}.") for n in range(3)]

    assert results == [None, None, None]
    messages = [record.getMessage() for record in caplog.records if record.name == "lessons.audio"]
    assert len(messages) == 2
    assert sum("gTTS failed: endpoint unreachable" in message for message in messages) == 1
    assert (
        sum("espeak-ng not found" in message and "no-such-espeak-ng" in message for message in messages) == 1
    )
    assert synthesizer.stats.without_audio == 3
    assert not config.cache_dir.exists() or list(config.cache_dir.iterdir()) == []


def test_gtts_is_paused_after_a_failure(tmp_path: Path, fake: FakeGTTSServer) -> None:
    now = [1000.0]
    config = AudioConfig(
        cache_dir=tmp_path / "audio",
        gtts_base_url=fake.url,
        timeout=5,
        gtts_retry_after=60,
        offline_voice=None,
    )
    synthesizer = Synthesizer(config, clock=lambda: now[0])
    fake.mode = Mode.ERROR

    assert synthesizer.synthesize("The first sentence fails at the endpoint.") is None
    assert synthesizer.synthesize("The second one does not even ask.") is None
    requests_while_paused = len(fake.requests)
    fake.mode = Mode.SPEAK
    now[0] += 61
    back = synthesizer.synthesize("The third one asks again.")

    assert requests_while_paused == 1
    assert back is not None and back.voice == "gtts"
    assert len(fake.requests) == 2


# The MP3 frame walker


def test_mp3_seconds_skips_an_id3_tag_and_rejects_what_is_not_mp3() -> None:
    id3 = b"ID3\x04\x00\x00" + bytes([0, 0, 0, 20]) + bytes(20)

    assert mp3_seconds(silent_mp3(1.2)) == pytest.approx(1.2, abs=0.03)
    assert mp3_seconds(id3 + silent_mp3(1.2)) == pytest.approx(1.2, abs=0.03)
    assert mp3_seconds(silent_mp3(1.2)[:-10]) == pytest.approx(1.2 - 0.024, abs=0.03)  # a cut last frame
    assert mp3_seconds(b"") is None
    assert mp3_seconds(b"<html>502 Bad Gateway</html>") is None
    assert mp3_seconds(id3) is None
