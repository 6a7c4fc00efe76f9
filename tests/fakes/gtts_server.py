"""A local stand-in for Google Translate's text-to-speech endpoint, speaking gTTS's protocol.

gTTS posts each part of a text (at most 100 characters) to
`/_/TranslateWebserverUi/data/batchexecute` with a form body `f.req=<JSON>`:

    [[["jQ1olc", "[\"<text>\",\"<lang>\",<true|null>,\"null\"]", null, "generic"]]]

where the third parameter is true for slow speech. Google answers with the
batchexecute envelope: `)]}'`, then length-prefixed JSON chunks, the first
holding `["wrb.fr","jQ1olc","[\"<base64 MP3>\"]",...]`, which gTTS finds with a
regular expression and base64-decodes. This fake does the same, records what
it was asked, and can be told to fail so the offline fallback can be tested
without a network.

The audio is generated, not recorded: silent MPEG-2 Layer III frames in
Google's own format (mono, 24 kHz, 32 kbps), as many as the text "takes" to
say, so tests can tell files apart by duration without an MP3 encoder.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self
from urllib.parse import parse_qs

BATCHEXECUTE_PATH = "/_/TranslateWebserverUi/data/batchexecute"
RPC_ID = "jQ1olc"

# Sync, MPEG-2, Layer III, no CRC | 32 kbps, 24 kHz, no padding | mono, original. 96 bytes, 24 ms a frame.
FRAME_HEADER = bytes([0xFF, 0xF3, 0x44, 0xC4])
FRAME_BYTES = 96
FRAME_SECONDS = 576 / 24000


class Mode(StrEnum):
    """How the fake answers the next requests."""

    SPEAK = "speak"  # 200 with audio, like Google
    ERROR = "error"  # 500 Internal Server Error
    CLOSE = "close"  # read the request, then hang up without a response
    NO_AUDIO = "no_audio"  # 200 with a well-formed envelope but no jQ1olc result


@dataclass(frozen=True)
class TTSRequest:
    """One decoded request: what gTTS asked to be spoken, and how."""

    path: str
    text: str
    lang: str
    slow: bool
    headers: dict[str, str]


def silent_mp3(seconds: float) -> bytes:
    """Valid MP3 bytes of about `seconds` of silence: frames whose side info is all zero."""
    frames = max(1, round(seconds / FRAME_SECONDS))
    return (FRAME_HEADER + bytes(FRAME_BYTES - len(FRAME_HEADER))) * frames


def speech_seconds(text: str, slow: bool) -> float:
    """How long the fake 'speaks' a text: 60 ms a character, twice that when slow."""
    return len(text) * 0.06 * (2 if slow else 1)


def fake_speech(text: str, slow: bool) -> bytes:
    """The default voice of the fake: silence as long as `speech_seconds`."""
    return silent_mp3(speech_seconds(text, slow))


def batchexecute_response(audio: bytes | None) -> bytes:
    """The body Google sends for one TTS part; without audio, the envelope has no jQ1olc result."""
    chunks = []
    if audio is not None:
        payload = json.dumps([base64.b64encode(audio).decode("ascii")])
        result = [
            ["wrb.fr", RPC_ID, payload, None, None, None, "generic"],
            ["di", 42],
            ["af.httprm", 41, "0", 1],
        ]
        chunks.append(json.dumps(result, separators=(",", ":")))
    chunks.append(json.dumps([["e", 4, None, None, sum(map(len, chunks))]], separators=(",", ":")))
    return (")]}'\n\n" + "".join(f"{len(chunk)}\n{chunk}\n" for chunk in chunks)).encode("utf-8")


def decode_request(path: str, body: bytes, headers: dict[str, str]) -> TTSRequest:
    """Undo gTTS's `_package_rpc`; raises ValueError (or KeyError/IndexError) on anything else."""
    (freq,) = parse_qs(body.decode("utf-8"), strict_parsing=False)["f.req"]
    ((call,),) = json.loads(freq)
    rpc_id, parameters, _, kind = call
    if rpc_id != RPC_ID or kind != "generic":
        raise ValueError(f"unexpected RPC {rpc_id!r} / {kind!r}")
    text, lang, speed, _ = json.loads(parameters)
    if speed not in (True, None):
        raise ValueError(f"unexpected speed {speed!r}")
    return TTSRequest(path=path, text=text, lang=lang, slow=speed is True, headers=headers)


class FakeGTTSServer:
    """An HTTP server on 127.0.0.1 (a free port) in a background thread.

    Use as a context manager. `url` is what goes into `gtts_base_url`; set
    `mode` to make it fail; `requests` lists the decoded requests in order.
    """

    def __init__(self, speech: Callable[[str, bool], bytes] = fake_speech) -> None:
        self.speech = speech
        self.mode = Mode.SPEAK
        self._requests: list[TTSRequest] = []
        self._lock = threading.Lock()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("the fake gTTS server is not running")
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def requests(self) -> list[TTSRequest]:
        with self._lock:
            return list(self._requests)

    def record(self, request: TTSRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def start(self) -> Self:
        self._httpd = _Server(("127.0.0.1", 0), _Handler, fake=self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.05,), name="fake-gtts", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def unreachable_url() -> str:
    """A URL on 127.0.0.1 where nothing listens: a port the OS just handed out and took back."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], *, fake: FakeGTTSServer
    ):
        self.fake = fake
        super().__init__(address, handler)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        fake = self.server.fake
        if self.path != BATCHEXECUTE_PATH:
            self._reply(404, b"not the batchexecute endpoint")
            return
        try:
            request = decode_request(self.path, body, dict(self.headers.items()))
        except (ValueError, KeyError, IndexError, TypeError) as error:
            self._reply(400, f"not a gTTS request: {error}".encode())
            return
        fake.record(request)
        match fake.mode:
            case Mode.CLOSE:
                self.close_connection = True
            case Mode.ERROR:
                self._reply(500, b"upstream error")
            case Mode.NO_AUDIO:
                self._reply(200, batchexecute_response(None), "application/json; charset=utf-8")
            case Mode.SPEAK:
                audio = fake.speech(request.text, request.slow)
                self._reply(200, batchexecute_response(audio), "application/json; charset=utf-8")

    def _reply(self, status: int, body: bytes, content_type: str = "text/plain; charset=utf-8") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the tests read `requests` instead of the access log."""
