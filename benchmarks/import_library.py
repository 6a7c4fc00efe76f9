"""Import the whole bundled library from the seed documents into a temporary library.

Prints the wall time and posts per second, for a cold run (fresh process
state: sentence cache empty) and a warm re-import (everything unchanged).
Target: the cold import under 5 s on the 2-core development machine.

    .venv/bin/python benchmarks/import_library.py
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from lessons.library import Library
from lessons.seeds import SEED_IMPORTS, import_seeds
from lessons.sizing import LessonSizing


def timed_import(folder: Path) -> tuple[float, int, int]:
    library = Library.load(folder)
    began = time.perf_counter()
    reports = import_seeds(library, LessonSizing())
    elapsed = time.perf_counter() - began
    written = sum(len(r.imported) + len(r.updated) for r in reports.values())
    seen = sum(
        len(r.imported) + len(r.updated) + len(r.unchanged) + len(r.too_short) + len(r.rejected)
        for r in reports.values()
    )
    return elapsed, written, seen


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        cold, written, seen = timed_import(Path(folder))
        warm, _, _ = timed_import(Path(folder))
        files = len(list(Path(folder).rglob("*.md")))
    print(f"sources: {', '.join(seed.filename for seed in SEED_IMPORTS)}")
    print(f"entries read: {seen}, posts written: {written}, library files: {files}")
    print(f"cold import: {cold:.2f} s  ({written / cold:.0f} posts/s, {seen / cold:.0f} entries/s)")
    print(f"re-import (all unchanged): {warm:.2f} s")
    print(f"target: cold import < 5 s -> {'met' if cold < 5 else 'MISSED'}")


if __name__ == "__main__":
    main()
