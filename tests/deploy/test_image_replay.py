"""The image built and started, without a container engine: the Dockerfile's steps replayed on this
Debian machine (tests/deploy/image.py), then its ENTRYPOINT and CMD started as a container would
start them, against PostgreSQL and the fake Bot API.

What stands in for what: the image's /app and /opt/venv are folders of a temporary root; the RUN
that creates the image's user is not replayed (no accounts are added to this machine), and the bot
runs as the test's user, because this machine's Python lives where no other user may read. So
instead of relying on permissions, the test checks the bot wrote nothing outside data/ and its home,
the only places the image's user may write. pip keeps its cache here (the image sets
PIP_NO_CACHE_DIR); the bot listens on 127.0.0.1 and a free port, not on every interface.

It installs every dependency into a fresh venv (a minute or two), so it runs once per CI run: in the
PostgreSQL pass. `bash scripts/check-image.sh` runs it alone.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Awaitable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from bot.storage.engine import head_revision
from tests.deploy.image import APP, VENV, Replay, container_environment, dockerfile, is_root, os_release
from tests.deploy.test_image_files import free_port
from tests.fakes.telegram_api import FakeTelegramServer

CHAT = 4242
T = TypeVar("T")


@pytest.fixture(scope="module")
def replayed(postgres_server_url: str | None) -> Iterator[Replay]:
    if postgres_server_url is None:
        pytest.skip("replays the image in the PostgreSQL pass only (once per CI run); scripts/check-image.sh")
    if not is_root() or shutil.which("apt-get") is None:
        pytest.skip("the image's apt-get step needs root on Debian, as in a build")
    root = Path(tempfile.mkdtemp(prefix="buildspeak-image-"))
    try:
        replay = Replay(
            root,
            build_env={name: value for name, value in os.environ.items() if name != "VIRTUAL_ENV"},
            skip_run=("useradd",),
            unset=("PIP_NO_CACHE_DIR",),
        )
        started = time.monotonic()
        replay.run_all(dockerfile())
        print(f"replayed {len(replay.ran)} RUN steps in {time.monotonic() - started:.1f} s")
        yield replay
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_the_replay_runs_on_the_image_s_debian(replayed: Replay) -> None:
    release = replayed.config["FROM"].value.rsplit("-", 1)[1]
    here = os_release().get("VERSION_CODENAME", "?")
    assert release == here, f"the image is on Debian {release}, this machine on {here}: move FROM with it"
    python = replayed.host_path(f"{VENV}/bin/python")
    version = subprocess.run(
        [python, "-c", "import sys; print(sys.version_info[:2])"], capture_output=True, text=True
    )
    assert version.stdout.strip() == "(3, 11)"
    for binary in ("espeak-ng", "lame"):
        assert shutil.which(binary), f"{binary}: install-system.sh ran, yet it is missing"


async def test_the_entrypoint_migrates_the_database_and_starts_the_bot(
    replayed: Replay, database_url: str
) -> None:
    app = replayed.host_path(APP)
    home = replayed.root / "home" / "buildspeak"
    for made_by_the_skipped_run in (app / "data", home):
        made_by_the_skipped_run.mkdir(parents=True, exist_ok=True)
    before = snapshot(replayed.root)
    async with FakeTelegramServer() as fake:
        env = replayed.environment(
            container_environment(os.environ["PATH"], home),
            # What `docker run -e` or compose adds:
            TELEGRAM_BOT_TOKEN=fake.token,
            TELEGRAM_API_BASE_URL=fake.url,
            BUILDSPEAK_DATABASE__URL=database_url,
            DATABASE_WAIT_SECONDS="30",
            # This machine is not a container: listen on loopback only, on a port of our own.
            BUILDSPEAK_WEB__HOST="127.0.0.1",
            BUILDSPEAK_WEB__PORT=str(free_port()),
            # No gTTS (no internet here): the 🔊 below is the offline voice the image installed.
            BUILDSPEAK_AUDIO__GTTS="false",
            BUILDSPEAK_CALENDAR__START="2020-01-01",  # a lesson for any day
        )
        command = replayed.command("ENTRYPOINT") + replayed.command("CMD")
        process = await asyncio.create_subprocess_exec(
            *command, cwd=app, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
        )
        assert process.stdout is not None
        output = asyncio.create_task(process.stdout.read())  # read all along: a full pipe would stall it
        try:
            await unless_it_exits(process, fake.wait_for("setMyCommands", timeout=90))
            assert schema_revision(database_url) == head_revision(), "the entry point migrated"
            await unless_it_exits(process, lesson_with_audio(fake))
            await healthy(replayed, env)
        finally:
            if process.returncode is None:
                process.terminate()
            await asyncio.wait_for(process.wait(), timeout=60)
            log = (await output).decode()
            print(log[-6000:])  # shown when the test fails
    assert process.returncode == 0, "stopped cleanly on SIGTERM"
    assert "accepts connections" in log and "upgraded (empty) →" in log
    assert "Traceback" not in log
    written = sorted(
        str(path.relative_to(replayed.root)) for path in changed(before, snapshot(replayed.root))
    )
    allowed = (str((app / "data").relative_to(replayed.root)), str(home.relative_to(replayed.root)))
    assert [path for path in written if not path.startswith(allowed)] == [], "the image's user could not"
    assert any(path.endswith(".mp3") for path in written), "the audio cache is on the volume"


async def unless_it_exits(process: asyncio.subprocess.Process, waiting: Awaitable[T]) -> T:
    """`waiting`, or an error as soon as the bot exits instead."""
    wanted, exited = asyncio.ensure_future(waiting), asyncio.ensure_future(process.wait())
    done, _ = await asyncio.wait({wanted, exited}, return_when=asyncio.FIRST_COMPLETED)
    if wanted in done:
        exited.cancel()
        return wanted.result()
    wanted.cancel()
    raise AssertionError(f"the container's command exited ({process.returncode}); its output is below")


def snapshot(root: Path) -> dict[Path, int]:
    return {path: path.lstat().st_mtime_ns for path in root.rglob("*") if not path.is_dir()}


def changed(before: dict[Path, int], after: dict[Path, int]) -> list[Path]:
    return [path for path, stamp in after.items() if before.get(path) != stamp]


def schema_revision(url: str) -> str | None:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()


async def lesson_with_audio(fake: FakeTelegramServer) -> None:
    """/today gets a card (the library is in the image), its 🔊 an MP3 (espeak-ng and lame are)."""
    fake.send_text(CHAT, "/today")
    await fake.wait_for("sendMessage", timeout=30)
    card = next(message for message in fake.messages(CHAT) if "🔊" in [b["text"] for b in message.buttons])
    speak = next(button["callback_data"] for button in card.buttons if button["text"] == "🔊")
    fake.press_button(card.message_id, CHAT, speak)
    await fake.wait_for("sendAudio", timeout=60)
    (upload,) = [upload for upload in fake.uploads if upload.method == "sendAudio"]
    mp3 = upload.file.content
    assert mp3[:3] == b"ID3" or (mp3[0] == 0xFF and mp3[1] & 0xE0 == 0xE0), "an MP3 (a tag or a frame first)"


async def healthy(replayed: Replay, env: dict[str, str]) -> None:
    """The image's HEALTHCHECK command, as Docker runs it, until it passes (the web server starts
    after the platforms) or 30 s are up. Before bot/web/ (the server) existed, the check could only
    say that nothing answers."""
    serves = (replayed.host_path(APP) / "bot" / "web").is_dir()
    command = replayed.command("HEALTHCHECK")
    deadline = time.monotonic() + 30
    while True:
        result = await asyncio.to_thread(
            subprocess.run, command, cwd=replayed.host_path(APP), env=env, capture_output=True, text=True,
            timeout=10,
        )  # fmt: skip
        if not serves:
            assert result.returncode == 1 and "no answer" in result.stdout, result.stdout + result.stderr
            return
        if result.returncode == 0:
            print(result.stdout)
            return
        assert time.monotonic() < deadline, f"HEALTHCHECK still failing: {result.stdout}{result.stderr}"
        await asyncio.sleep(0.5)
