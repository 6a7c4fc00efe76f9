"""The Dockerfile read as data, and replayed on this machine: no container engine can pull a base
image here, so the deploy tests run the image's own steps, as written, on the same Debian.

`dockerfile()` parses the subset of the syntax the project's Dockerfile uses (instructions, line
continuations, comments, shell and exec forms). `Replay` carries out its steps with the image's
paths moved under a temporary root: WORKDIR and COPY into that root, ENV into an environment,
RUN through `/bin/sh -c` as Docker does. `Dockerignore` answers what `docker build` would send.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tests.chat_support import PROJECT

DOCKERFILE = PROJECT / "Dockerfile"
# The image's own directories, which the replay moves under its root; the test checks the
# Dockerfile still uses these and no other.
APP, VENV = "/app", "/opt/venv"


@dataclass(frozen=True)
class Instruction:
    keyword: str  # upper case: RUN, COPY, ...
    value: str  # the rest, continuation lines joined
    line: int

    @property
    def arguments(self) -> list[str]:
        """Exec form (a JSON array) as given; shell form split as a shell would."""
        if self.value.startswith("["):
            return list(json.loads(self.value))
        return shlex.split(self.value)


def dockerfile(path: Path = DOCKERFILE) -> list[Instruction]:
    instructions: list[Instruction] = []
    pending, start = "", 0
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        text = raw.strip()
        if not text or text.startswith("#"):  # Docker drops comments inside a continuation too
            continue
        if not pending:
            start = number
        if text.endswith("\\"):
            pending += text[:-1] + " "
            continue
        keyword, _, value = (pending + text).partition(" ")
        instructions.append(Instruction(keyword.upper(), " ".join(value.split()), start))
        pending = ""
    return instructions


def of_kind(instructions: Iterable[Instruction], keyword: str) -> list[Instruction]:
    return [instruction for instruction in instructions if instruction.keyword == keyword]


def env_pairs(instruction: Instruction) -> list[tuple[str, str]]:
    return [tuple(token.split("=", 1)) for token in shlex.split(instruction.value)]  # type: ignore[misc]


def expand(text: str, env: Mapping[str, str]) -> str:
    """$NAME and ${NAME}, as Docker substitutes them in ENV, WORKDIR and COPY."""
    return re.sub(r"\$\{?(\w+)\}?", lambda match: env.get(match.group(1), ""), text)


class Dockerignore:
    """`.dockerignore` as Docker reads it: Go-style globs (`*` stays within a path segment, `**` spans
    them), the last matching line wins, `!` lets a path back in, and a path is excluded along with
    its folder."""

    def __init__(self, path: Path) -> None:
        self.rules: list[tuple[bool, re.Pattern[str]]] = []
        for raw in path.read_text(encoding="utf-8").splitlines():
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            keep = line.startswith("!")
            pattern = line.removeprefix("!").strip("/")
            self.rules.append((keep, re.compile(self._regex(pattern))))

    @staticmethod
    def _regex(pattern: str) -> str:
        parts = re.split(r"(\*\*/|\*\*|\*|\?|\[[^]]+\])", pattern)
        wildcards = {"**/": "(?:.*/)?", "**": ".*", "*": "[^/]*", "?": "[^/]"}
        return (
            "".join(wildcards.get(part, part if part.startswith("[") else re.escape(part)) for part in parts)
            + "$"
        )

    def excludes(self, relative: str) -> bool:
        parts = relative.strip("/").split("/")
        excluded = False
        for keep, rule in self.rules:
            # A rule about a folder holds for everything in it.
            if any(rule.match("/".join(parts[:end])) for end in range(1, len(parts) + 1)):
                excluded = not keep
        return excluded


def remap(text: str, root: Path) -> str:
    """The image's paths in `text` moved under `root` (/app -> root/app)."""
    return re.sub(
        rf"(?<![\w./])({re.escape(VENV)}|{re.escape(APP)})(?=[/:\s\"]|$)",
        lambda match: str(root) + match.group(1),
        text,
    )


@dataclass
class Replay:
    """The Dockerfile's steps carried out under `root`, with `build_env` as the build machine's
    environment (network and pip settings) beneath the image's ENV."""

    root: Path
    build_env: Mapping[str, str]
    skip_run: tuple[str, ...] = ()  # RUN lines containing one of these are not run (user accounts)
    unset: tuple[str, ...] = ()  # ENV the RUN steps go without here (PIP_NO_CACHE_DIR: reuse the cache)
    image_env: dict[str, str] = field(default_factory=dict)
    workdir: Path | None = None
    ran: list[Instruction] = field(default_factory=list)
    skipped: list[Instruction] = field(default_factory=list)
    config: dict[str, Instruction] = field(default_factory=dict)  # ENTRYPOINT, CMD, USER, ...

    def host_path(self, image_path: str) -> Path:
        return Path(remap(image_path, self.root))

    def run_all(self, instructions: Iterable[Instruction]) -> None:
        for instruction in instructions:
            step = getattr(self, f"_{instruction.keyword.lower()}", None)
            if step is None:
                self.config[instruction.keyword] = instruction
            else:
                step(instruction)

    def _from(self, instruction: Instruction) -> None:
        self.config["FROM"] = instruction

    def _env(self, instruction: Instruction) -> None:
        for name, value in env_pairs(instruction):
            self.image_env[name] = expand(remap(value, self.root), {**self.build_env, **self.image_env})

    def _workdir(self, instruction: Instruction) -> None:
        self.workdir = self.host_path(instruction.value)
        self.workdir.mkdir(parents=True, exist_ok=True)

    def _copy(self, instruction: Instruction) -> None:
        *sources, destination = instruction.arguments
        assert self.workdir is not None, f"line {instruction.line}: COPY before WORKDIR"
        target = (
            self.workdir / destination if not destination.startswith("/") else self.host_path(destination)
        )
        for source in sources:
            origin = PROJECT / source
            if origin.is_dir():  # Docker copies a folder's contents
                shutil.copytree(
                    origin, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__")
                )
            else:
                into = target / origin.name if destination.endswith("/") else target
                into.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(origin, into)

    def _run(self, instruction: Instruction) -> None:
        if any(word in instruction.value for word in self.skip_run):
            self.skipped.append(instruction)
            return
        completed = subprocess.run(
            ["/bin/sh", "-c", remap(instruction.value, self.root)],
            cwd=self.workdir,
            env={
                name: value
                for name, value in self.environment(self.build_env).items()
                if name not in self.unset
            },
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert completed.returncode == 0, (
            f"Dockerfile line {instruction.line} failed ({completed.returncode}): RUN {instruction.value}\n"
            f"{completed.stdout[-3000:]}\n{completed.stderr[-3000:]}"
        )
        self.ran.append(instruction)

    def environment(self, base: Mapping[str, str], **overrides: str) -> dict[str, str]:
        return {**base, **self.image_env, **overrides}

    def command(self, keyword: str) -> list[str]:
        """ENTRYPOINT's or CMD's exec form, or HEALTHCHECK's CMD, with the image's paths moved."""
        instruction = self.config[keyword]
        value = instruction.value
        if keyword == "HEALTHCHECK":
            value = value[value.index(" CMD ") + len(" CMD ") :]
        assert value.startswith("["), f"line {instruction.line}: {keyword} in exec form, so signals reach it"
        return [remap(part, self.root) for part in json.loads(value)]


def container_environment(path: str, home: Path) -> dict[str, str]:
    """What a container starts with before the image's ENV: no host variables leak in."""
    return {"PATH": path, "HOME": str(home), "LANG": "C.UTF-8"}


def os_release() -> dict[str, str]:
    text = Path("/etc/os-release").read_text(encoding="utf-8") if Path("/etc/os-release").exists() else ""
    return dict(
        (key, value.strip('"'))
        for key, _, value in (line.partition("=") for line in text.splitlines())
        if key
    )


def is_root() -> bool:
    return os.geteuid() == 0
