"""Text to MP3 for the sentence cards and the whole lesson, cached on disk.

Voices, best first:

1. gTTS (Google Translate's text-to-speech), the natural one. The real gTTS
   library builds the requests (splitting long text into parts, the
   batchexecute RPC payload, the headers) and decodes the answers; only the
   host it posts to is a setting, `gtts_base_url`, so a mirror, a reverse proxy
   or a test fake can stand in for Google (see `EndpointGTTS`).
2. espeak-ng, offline: robotic, but it works without a network. It speaks to
   WAV and lame encodes that to MP3 (`scripts/install-system-deps.sh`).

When both fail, `synthesize` returns None and the lesson goes out without
audio. Each cause of failure is logged once per `Synthesizer` (the bot builds
one per process), not once per sentence.

The cache holds one file per voice, its settings, the speed and the text,
named by a hash of them, so a sentence is synthesized once across lessons and
restarts. Lookup order: the gTTS file, then gTTS itself, then the espeak-ng
file, then espeak-ng itself. An offline file is therefore a stand-in: it
serves while gTTS is down, and the first time the sentence is asked for with
gTTS back, a gTTS file is made and wins from then on. (Keying on the requested
voice chain instead would freeze each sentence at whichever voice happened to
answer first.) After a gTTS failure, gTTS is skipped for `gtts_retry_after`
seconds, so a lesson of 30 sentences does not wait for 30 timeouts.

Files are written to a temporary name in the cache directory, flushed, checked
to hold MP3 frames and then renamed, so a crash never leaves a half file
under a cache name.

`on_audio`, when given, hears where each answer came from: "cached", "gtts",
"offline" or "none" (the bot counts them in its metrics; this side knows
nothing of them).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import subprocess
import tempfile
import threading
import time
import wave
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import requests
from gtts import gTTS, gTTSError

log = logging.getLogger(__name__)

Voice = Literal["gtts", "espeak-ng"]
AudioSource = Literal["cached", "gtts", "offline", "none"]

# Bumped when the cache key or the file format changes, so old files are not served.
_CACHE_FORMAT = 1


class VoiceFailure(Exception):
    """A voice could not speak a text; `cause` is short and stable, so it can be logged once."""

    def __init__(self, cause: str, detail: str = "", *, pause: bool = True) -> None:
        super().__init__(f"{cause}: {detail}" if detail else cause)
        self.cause = cause
        self.detail = detail
        self.pause = pause


@dataclass(frozen=True)
class AudioConfig:
    """Where audio is cached and how each voice is reached.

    `gtts_base_url` replaces `https://translate.google.<tld>` (None keeps Google's
    own endpoint); gTTS appends its own path to it. `offline_voice` is an
    espeak-ng voice name, or None to disable the offline voice.
    """

    cache_dir: Path
    gtts_base_url: str | None = None
    lang: str = "en"
    tld: str = "com"
    timeout: float = 10.0
    gtts_enabled: bool = True
    gtts_retry_after: float = 300.0
    offline_voice: str | None = "en-us"
    espeak_binary: str = "espeak-ng"
    espeak_rate: int = 165
    espeak_slow_rate: int = 115
    lame_binary: str = "lame"
    mp3_bitrate_kbps: int = 48
    offline_timeout: float = 120.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "cache_dir", Path(self.cache_dir))
        if self.gtts_base_url is not None and urlsplit(self.gtts_base_url).scheme not in ("http", "https"):
            raise ValueError(f"gtts_base_url must be an http(s) URL, not {self.gtts_base_url!r}")
        if self.timeout <= 0 or self.offline_timeout <= 0 or self.gtts_retry_after < 0:
            raise ValueError("timeouts must be positive and gtts_retry_after not negative")
        if self.espeak_rate <= 0 or self.espeak_slow_rate <= 0 or self.mp3_bitrate_kbps <= 0:
            raise ValueError("espeak rates and the MP3 bitrate must be positive")


@dataclass(frozen=True)
class AudioFile:
    """An MP3 on disk, which voice made it, and whether this call found it in the cache."""

    path: Path
    voice: Voice
    cached: bool
    seconds: float | None = None


@dataclass(frozen=True)
class AudioStats:
    """Counters for a benchmark or a log line: hits + misses = calls with something to say."""

    hits: int = 0
    misses: int = 0
    made_gtts: int = 0
    made_offline: int = 0
    without_audio: int = 0


class EndpointGTTS(gTTS):
    """gTTS that posts to `base_url` instead of `https://translate.google.<tld>`.

    Only the scheme and host of each request URL gTTS prepares are replaced; its
    path, query, headers and body stay gTTS's own, so the protocol is whatever
    the installed gTTS speaks. Note that gTTS passes the environment's proxies
    explicitly, so HTTP(S)_PROXY applies even to a local base URL (NO_PROXY is ignored).
    """

    def __init__(self, text: str, *, base_url: str | None = None, **kwargs: Any) -> None:
        super().__init__(text, **kwargs)
        self.base_url = base_url

    def _prepare_requests(self) -> list[requests.PreparedRequest]:
        prepared = super()._prepare_requests()
        if self.base_url is not None:
            for request in prepared:
                request.prepare_url(rebase_url(request.url or "", self.base_url), None)
        return prepared


def rebase_url(url: str, base_url: str) -> str:
    """`url` with its scheme and host replaced by `base_url` (which may carry a path prefix)."""
    parts = urlsplit(url)
    rebased = base_url.rstrip("/") + parts.path
    return f"{rebased}?{parts.query}" if parts.query else rebased


class Synthesizer:
    """Speaks texts to cached MP3 files with the best voice that works right now.

    Thread-safe: the counters, the once-per-cause log and the gTTS pause are
    guarded by a lock; two threads making the same file just both rename onto it.
    """

    def __init__(
        self,
        config: AudioConfig,
        *,
        clock: Callable[[], float] = time.monotonic,
        on_audio: Callable[[AudioSource], None] | None = None,
    ) -> None:
        self.config = config
        self._clock = clock
        self._on_audio = on_audio
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._logged: set[tuple[Voice, str]] = set()
        self._gtts_paused_until = -math.inf

    @property
    def stats(self) -> AudioStats:
        with self._lock:
            return AudioStats(**{name: self._counts[name] for name in AudioStats.__dataclass_fields__})

    def synthesize(self, text: str, *, slow: bool = False) -> AudioFile | None:
        """The MP3 for `text`, from the cache or a voice; None when no voice can speak it now."""
        spoken = " ".join(text.split())
        if not any(char.isalnum() for char in spoken):
            log.debug("nothing to speak in %r", text)
            return None
        for voice in self._voices():
            path = self.cache_path(voice, spoken, slow=slow)
            found = self._cached(voice, path)
            if found is not None:
                self._count("hits")
                self._tell("cached")
                return found
            if voice == "gtts" and self._clock() < self._gtts_paused_until:
                continue
            try:
                made = self._make(voice, spoken, slow, path)
            except VoiceFailure as failure:
                self._failed(voice, failure)
                continue
            self._count("misses", "made_gtts" if voice == "gtts" else "made_offline")
            self._tell("gtts" if voice == "gtts" else "offline")
            return made
        self._count("misses", "without_audio")
        self._tell("none")
        return None

    def cache_path(self, voice: Voice, text: str, *, slow: bool) -> Path:
        """Where `voice` keeps `text`: a hash of everything that changes the sound."""
        key = {"format": _CACHE_FORMAT, "voice": voice, **self._voice_settings(voice, slow), "text": text}
        blob = json.dumps(key, sort_keys=True, ensure_ascii=False).encode("utf-8")
        return self.config.cache_dir / f"{voice}-{hashlib.sha256(blob).hexdigest()[:40]}.mp3"

    def _voices(self) -> list[Voice]:
        voices: list[Voice] = []
        if self.config.gtts_enabled:
            voices.append("gtts")
        if self.config.offline_voice:
            voices.append("espeak-ng")
        return voices

    def _voice_settings(self, voice: Voice, slow: bool) -> dict[str, Any]:
        config = self.config
        if voice == "gtts":
            return {"lang": config.lang, "tld": config.tld, "slow": slow}
        return {
            "espeak_voice": config.offline_voice,
            "rate": config.espeak_slow_rate if slow else config.espeak_rate,
            "kbps": config.mp3_bitrate_kbps,
        }

    def _cached(self, voice: Voice, path: Path) -> AudioFile | None:
        """The cached file, or None; a file that holds no MP3 frames is dropped so it is made again."""
        try:
            data = path.read_bytes()
        except OSError:  # usually FileNotFoundError; an unreadable one fails again, and is logged, in _make
            return None
        seconds = mp3_seconds(data)
        if seconds is None:
            log.warning("dropping unreadable cached audio %s", path)
            path.unlink(missing_ok=True)
            return None
        return AudioFile(path, voice, cached=True, seconds=seconds)

    def _make(self, voice: Voice, text: str, slow: bool, path: Path) -> AudioFile:
        """Speak into a temporary file next to `path`, check it, then rename it into place."""
        temp: Path | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".part")
            os.close(handle)
            temp = Path(name)
            if voice == "gtts":
                self._speak_gtts(text, slow, temp)
            else:
                self._speak_espeak(text, slow, temp)
            seconds = mp3_seconds(temp.read_bytes())
            if seconds is None:
                raise VoiceFailure(
                    "no MP3 audio in the output", f"{temp.stat().st_size} bytes without MP3 frames"
                )
            _fsync(temp)
            temp.chmod(0o644)
            os.replace(temp, path)
            return AudioFile(path, voice, cached=False, seconds=seconds)
        except OSError as error:
            raise VoiceFailure(f"I/O error ({type(error).__name__})", str(error)) from error
        finally:
            if temp is not None:
                temp.unlink(missing_ok=True)

    def _speak_gtts(self, text: str, slow: bool, dest: Path) -> None:
        config = self.config
        tts = EndpointGTTS(
            text,
            base_url=config.gtts_base_url,
            lang=config.lang,
            tld=config.tld,
            slow=slow,
            lang_check=False,
            timeout=config.timeout,
        )
        try:
            with dest.open("wb") as out:
                tts.write_to_fp(out)
        except (gTTSError, requests.RequestException) as error:
            raise gtts_failure(error) from error
        except AssertionError as error:  # gTTS's own check: nothing left to speak after its cleaning
            raise VoiceFailure("nothing to speak", str(error), pause=False) from error

    def _speak_espeak(self, text: str, slow: bool, dest: Path) -> None:
        config = self.config
        rate = config.espeak_slow_rate if slow else config.espeak_rate
        with tempfile.TemporaryDirectory(prefix="buildspeak-espeak-") as work:
            wav = Path(work) / "speech.wav"
            espeak = [config.espeak_binary, "-v", str(config.offline_voice), "-s", str(rate)]
            # --stdin rather than an argument: a sentence starting with "-" is not an option.
            _run("espeak-ng", [*espeak, "--stdin", "-w", str(wav)], config.offline_timeout, text.encode())
            if not _wav_has_audio(wav):
                raise VoiceFailure("espeak-ng produced no audio", f"voice {config.offline_voice!r}")
            lame = [config.lame_binary, "--quiet", "-m", "m", "-b", str(config.mp3_bitrate_kbps)]
            _run("lame", [*lame, str(wav), str(dest)], config.offline_timeout)

    def _failed(self, voice: Voice, failure: VoiceFailure) -> None:
        """Log a cause the first time it happens; pause gTTS after an endpoint failure."""
        with self._lock:
            if voice == "gtts" and failure.pause:
                self._gtts_paused_until = self._clock() + self.config.gtts_retry_after
            first = (voice, failure.cause) not in self._logged
            self._logged.add((voice, failure.cause))
        label = "gTTS" if voice == "gtts" else "offline voice (espeak-ng + lame)"
        if not first:
            log.debug("%s failed again: %s", label, failure)
            return
        if voice == "gtts":
            then = f"gTTS is tried again after {self.config.gtts_retry_after:g} s"
            if self.config.offline_voice:
                then = f"trying the offline voice; {then}"
        else:
            then = "while gTTS fails too, texts go out without audio"
        log.warning(
            "%s failed: %s (%s); %s. Logged once per cause.", label, failure.cause, failure.detail, then
        )

    def _count(self, *names: str) -> None:
        with self._lock:
            self._counts.update(names)

    def _tell(self, source: AudioSource) -> None:
        if self._on_audio is not None:
            self._on_audio(source)


def gtts_failure(error: Exception) -> VoiceFailure:
    """A stable cause for a gTTS error: the HTTP status, or what went wrong with the connection."""
    response = getattr(error, "rsp", None)
    if response is not None:
        status = response.status_code
        cause = "no audio in the response" if status == 200 else f"HTTP {status}"
        return VoiceFailure(cause, str(error))
    # gTTS raises gTTSError inside `except RequestException`, so the original is its context.
    root = error.__context__ if isinstance(error, gTTSError) and error.__context__ is not None else error
    if isinstance(root, requests.Timeout):
        cause = "timeout"
    elif isinstance(root, requests.ConnectionError):
        cause = "endpoint unreachable"
    else:
        cause = type(root).__name__
    return VoiceFailure(cause, str(root))


def _run(tool: str, args: list[str], timeout: float, stdin: bytes | None = None) -> None:
    """Run an offline-voice tool, turning every way it can fail into a VoiceFailure."""
    try:
        done = subprocess.run(args, input=stdin, capture_output=True, timeout=timeout, check=False)
    except FileNotFoundError as error:
        hint = "scripts/install-system-deps.sh installs it"
        raise VoiceFailure(f"{tool} not found", f"no executable {args[0]!r}; {hint}") from error
    except PermissionError as error:
        raise VoiceFailure(f"{tool} not executable", args[0]) from error
    except subprocess.TimeoutExpired as error:
        raise VoiceFailure(f"{tool} timed out", f"after {timeout:g} s") from error
    if done.returncode != 0:
        stderr = done.stderr.decode("utf-8", "replace").strip()[-300:]
        raise VoiceFailure(f"{tool} exited with status {done.returncode}", stderr)


def _wav_has_audio(path: Path) -> bool:
    try:
        with wave.open(str(path), "rb") as wav:
            return wav.getnframes() > 0
    except (OSError, EOFError, wave.Error):
        return False


def _fsync(path: Path) -> None:
    """Flush file data before the rename, so the name never points at blocks not yet on disk."""
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


# MPEG audio Layer III, the only layer gTTS and lame produce: kbps by bitrate index, MPEG-1 then MPEG-2/2.5.
_KBPS = {
    True: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    False: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
# Sample rates by version bits (3 = MPEG-1, 2 = MPEG-2, 0 = MPEG-2.5) and rate index.
_SAMPLE_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def mp3_seconds(data: bytes) -> float | None:
    """Duration of the Layer III frames in `data`, or None when it does not start as an MP3.

    Walks the frame headers (skipping ID3v2 tags and a Xing/Info header frame),
    which both checks that a voice's output is really audio and tells the length
    without decoding. gTTS output for long text is several MP3s back to back;
    the walk goes through all of them. It stops at the first byte that is not a frame.
    """
    position, frames, seconds = 0, 0, 0.0
    while position < len(data):
        if data.startswith(b"ID3", position):
            position += _id3_size(data, position)
            continue
        frame = _frame(data, position)
        if frame is None or position + frame[0] > len(data):
            break
        length, duration = frame
        if not (frames == 0 and _is_info_frame(data[position : position + length])):
            frames += 1
            seconds += duration
        position += length
    return round(seconds, 3) if frames else None


def _frame(data: bytes, position: int) -> tuple[int, float] | None:
    """Length in bytes and duration of the Layer III frame starting at `position`, if one does."""
    if position + 4 > len(data) or data[position] != 0xFF or data[position + 1] & 0xE0 != 0xE0:
        return None
    version = (data[position + 1] >> 3) & 3
    layer = (data[position + 1] >> 1) & 3
    bitrate_index = data[position + 2] >> 4
    rate_index = (data[position + 2] >> 2) & 3
    if version == 1 or layer != 1 or bitrate_index in (0, 15) or rate_index == 3:
        return None
    mpeg1 = version == 3
    rate = _SAMPLE_RATES[version][rate_index]
    padding = (data[position + 2] >> 1) & 1
    length = (144 if mpeg1 else 72) * _KBPS[mpeg1][bitrate_index] * 1000 // rate + padding
    return length, (1152 if mpeg1 else 576) / rate


def _is_info_frame(frame: bytes) -> bool:
    """Whether a first frame is an encoder's Xing/Info header (silent metadata, not audio)."""
    return b"Xing" in frame[:64] or b"Info" in frame[:64]


def _id3_size(data: bytes, position: int) -> int:
    """Bytes taken by the ID3v2 tag at `position` (header, syncsafe size, optional footer)."""
    header = data[position : position + 10]
    if len(header) < 10:
        return len(data) - position
    size = (header[6] & 0x7F) << 21 | (header[7] & 0x7F) << 14 | (header[8] & 0x7F) << 7 | header[9] & 0x7F
    footer = 10 if header[5] & 0x10 else 0
    return 10 + size + footer
