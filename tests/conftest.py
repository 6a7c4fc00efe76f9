"""Fixtures every test module may use."""

from __future__ import annotations

import pytest

from lessons.importers.base import ImportOptions
from tests.support import ADDED


@pytest.fixture
def options() -> ImportOptions:
    return ImportOptions(added=ADDED)
