"""`buildspeak run --roles`: which roles run, and a clear refusal (Chinese first) when they can't."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import build_app
from bot.runtime.assembly import RoleError, choose_roles

RUNNER = CliRunner()


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str) -> None:
    for name in list(os.environ):
        if name.startswith(("BUILDSPEAK_", "TELEGRAM_", "DISCORD_", "LLM_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BUILDSPEAK_DATABASE__URL", database_url)
    monkeypatch.setenv("COLUMNS", "200")


def run(*args: str) -> tuple[int, str]:
    result = RUNNER.invoke(build_app(), list(args))
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("asked", "token", "push", "chosen"),
    [
        ((), True, True, ("telegram", "push")),
        ((), True, False, ("telegram",)),
        ((), False, True, ("console",)),
        (("push",), True, True, ("push",)),
        (("telegram", "push", "telegram"), True, True, ("telegram", "push")),
        (("console",), True, True, ("console",)),
    ],
)
def test_the_roles_the_settings_enable(
    asked: tuple[str, ...], token: bool, push: bool, chosen: tuple
) -> None:
    assert choose_roles(asked, telegram_token=token, push_enabled=push) == chosen


@pytest.mark.parametrize(
    ("asked", "telegram", "discord", "chosen"),
    [
        ((), True, True, ("telegram", "discord", "push")),
        ((), False, True, ("discord", "push")),
        (("discord",), True, True, ("discord",)),
        (("telegram", "discord"), True, True, ("telegram", "discord")),
    ],
)
def test_both_platforms_run_in_one_process_when_both_have_a_token(
    asked: tuple[str, ...], telegram: bool, discord: bool, chosen: tuple
) -> None:
    assert choose_roles(asked, telegram_token=telegram, push_enabled=True, discord_token=discord) == chosen


def test_the_discord_role_without_its_token_says_what_to_set() -> None:
    code, output = run("run", "--roles", "discord")
    assert code == 2 and "discord 角色需要 DISCORD_BOT_TOKEN" in output


def test_an_unknown_role_is_named_with_the_choices() -> None:
    code, output = run("run", "--roles", "telegram,discrod")
    assert code == 2
    assert "没有这个角色 unknown role: discrod" in output and "telegram, discord, push, console" in output


def test_a_role_without_its_platform_says_what_to_set() -> None:
    code, output = run("run", "--roles", "push")
    assert code == 2 and "push 角色需要一个可推送的平台：设置 TELEGRAM_BOT_TOKEN" in output
    code, output = run("run", "--roles", "telegram")
    assert code == 2 and "telegram 角色需要 TELEGRAM_BOT_TOKEN" in output


def test_a_disabled_push_is_refused_when_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:abc")
    monkeypatch.setenv("BUILDSPEAK_PUSH__ENABLED", "false")
    code, output = run("run", "--roles", "push")
    assert code == 2 and "push 角色已关闭" in output
    with pytest.raises(RoleError):
        choose_roles(("push",), telegram_token=True, push_enabled=False)


def test_roles_can_come_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUILDSPEAK_RUNTIME__ROLES", "push")
    code, output = run("run")
    assert code == 2 and "push 角色需要一个可推送的平台" in output, "the setting asked for the push alone"
    monkeypatch.setenv("BUILDSPEAK_RUNTIME__ROLES", "pusher")
    code, output = run("run")
    assert code != 0 and "runtime.roles" in output and "unknown role pusher" in output
