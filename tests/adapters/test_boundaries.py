"""Adapters translate; they reach the rest of the bot only through the core's public interface.

Read from the source (every import, at any depth of the module), so a new adapter that reaches into
storage, the learning side, a handler module or the content library fails here, not in review.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ADAPTERS = Path(__file__).resolve().parents[2] / "bot" / "adapters"
# The core's public face for adapters, and the delivery pieces a platform's sends go through.
PUBLIC = {
    "bot.core.conversation",  # Conversation: handle(), may_be_slow(), commands, references
    "bot.core.messages",  # Incoming, Reply and its parts
    "bot.core.references",  # what a platform remembers between messages
    "bot.core.commands",  # the command registry: menus and command trees
    "bot.core.texts",  # the apology and other fixed words
    "bot.delivery.pacing",
    "bot.delivery.errors",
    "bot.delivery.outbox",  # per-chat outboxes: a handler hands its sends over and returns
    "bot.delivery.resend",  # one call, paced, sent again after a 429 or a passing failure
}


def imported_modules(path: Path) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "bot.core":
                modules |= {f"bot.core.{alias.name}" for alias in node.names}
            else:
                modules.add(node.module)
        elif isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
    return modules


@pytest.mark.parametrize("path", sorted(ADAPTERS.glob("*.py")), ids=lambda path: path.name)
def test_an_adapter_imports_only_the_cores_public_interface(path: Path) -> None:
    ours = {module for module in imported_modules(path) if module.split(".")[0] in ("bot", "lessons")}
    outside = {module for module in ours if not module.startswith("bot.adapters")} - PUBLIC
    assert not outside, f"{path.name} reaches past the core: {sorted(outside)}"


def test_the_check_sees_a_violation(tmp_path: Path) -> None:
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text("def f():\n    from bot.storage.references import recall\n", encoding="utf-8")
    assert "bot.storage.references" in imported_modules(sneaky)
