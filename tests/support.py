"""Paths to the test fixtures and the seed sources, shared by every test module."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
SOURCES = Path(__file__).parent.parent / "lessons" / "sources"
ADDED = dt.date(2026, 11, 1)


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")
