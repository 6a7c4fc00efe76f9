"""Library files are replaced whole: a failed write leaves the old file and no stray temporary."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lessons.files import write_text_atomically


def test_a_write_replaces_the_file_and_creates_its_folder(tmp_path: Path) -> None:
    path = tmp_path / "karpathy" / "x-1.md"
    write_text_atomically(path, "first\n")
    write_text_atomically(path, "第二版\n")
    assert path.read_text(encoding="utf-8") == "第二版\n"
    assert [p.name for p in path.parent.iterdir()] == ["x-1.md"]


def test_a_write_that_fails_midway_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "x-1.md"
    path.write_text("old\n", encoding="utf-8")

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space"):
        write_text_atomically(path, "new\n")

    assert path.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["x-1.md"]
