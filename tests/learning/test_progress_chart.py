"""The /stats picture: a valid PNG of the promised size for any data, and Chinese that is not boxes."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from matplotlib.ft2font import FT2Font
from PIL import Image

from bot.learning.progress_chart import (
    CHART_SIZE,
    WINDOW_DAYS,
    DayProgress,
    MemoryCounts,
    find_cjk_font,
    last_days,
    render_progress_chart,
)

TODAY = dt.date(2026, 11, 22)
MONTH = [
    DayProgress(TODAY - dt.timedelta(days=back), back % 9, back % 4, back % 5, (back % 5) // 2)
    for back in range(WINDOW_DAYS)
]
MEMORY = MemoryCounts(new=23, learning=41, known=17)
NO_FONT = "no CJK font installed: run scripts/install-system-deps.sh (installs fonts-wqy-microhei)"


@pytest.fixture(scope="module")
def cjk_font() -> Path:
    font = find_cjk_font()
    if font is None:
        pytest.skip(NO_FONT)
    return font


def picture_size(png: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
        image.load()  # decodes the whole image, not only the header
        return image.size


def render_quietly(*args, **kwargs) -> tuple[bytes, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = render_progress_chart(*args, **kwargs)
    return png, [str(warning.message) for warning in caught]


def missing_glyphs(messages: list[str]) -> list[str]:
    return [message for message in messages if "missing from font" in message]


def test_find_cjk_font_covers_chinese(cjk_font: Path) -> None:
    charmap = FT2Font(str(cjk_font)).get_charmap()
    assert all(ord(char) in charmap for char in "生词本掌握读过的句子已学习中测验正确率")


def test_a_month_in_chinese_renders_at_chart_size_without_missing_glyphs(cjk_font: Path) -> None:
    png, messages = render_quietly(
        MONTH, MEMORY, title="Ada 的学习进度 · your progress", font_path=cjk_font, today=TODAY
    )

    assert picture_size(png) == CHART_SIZE
    assert missing_glyphs(messages) == []


def test_empty_data_renders_a_friendly_picture(cjk_font: Path) -> None:
    png, messages = render_quietly([], MemoryCounts(0, 0, 0), title="学习进度", font_path=cjk_font)

    assert picture_size(png) == CHART_SIZE
    assert missing_glyphs(messages) == []


def test_all_zero_days_render() -> None:
    zeros = [DayProgress(day.date, 0, 0, 0, 0) for day in MONTH]

    png = render_progress_chart(zeros, MemoryCounts(0, 0, 0), title="progress", font_path=None)

    assert picture_size(png) == CHART_SIZE


def test_without_a_font_labels_are_english_and_chinese_in_the_title_is_dropped() -> None:
    png, messages = render_quietly(MONTH, MEMORY, title="学习进度 · progress", font_path=None, today=TODAY)

    assert picture_size(png) == CHART_SIZE
    assert missing_glyphs(messages) == []


def test_the_window_is_thirty_days_without_gaps_ending_today() -> None:
    early = DayProgress(TODAY - dt.timedelta(days=40), 5, 5, 5, 5)
    twice = [DayProgress(TODAY - dt.timedelta(days=3), 2, 1, 4, 3)] * 2

    window = last_days([early, *twice], end=TODAY)

    assert [day.date for day in window] == [TODAY - dt.timedelta(days=back) for back in range(29, -1, -1)]
    assert window[-4] == DayProgress(TODAY - dt.timedelta(days=3), 4, 2, 8, 6)
    assert sum(day.cards_read for day in window) == 4  # the day 40 days ago is outside


def test_the_window_ends_at_the_latest_day_when_today_is_not_given() -> None:
    assert last_days(MONTH[:5], end=None)[-1].date == TODAY
    assert last_days([], end=None) == []


def test_importing_the_module_does_not_import_matplotlib() -> None:
    """The bot imports it at start-up; matplotlib's import is paid only by the first /stats."""
    code = "import sys, bot.learning.progress_chart; print('matplotlib' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parents[2],
    )
    assert result.stdout.strip() == "False"
