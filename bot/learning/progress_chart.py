"""The picture behind /stats: a learner's last 30 days and how well their saved words are held.

A picture, because "you read 42 cards" says less than a month of bars with gaps in it, and a chat
shows a picture at a glance where a table of numbers needs reading. It is drawn with matplotlib's
object API (Figure + an Agg canvas), never pyplot: pyplot keeps global figure state and the bot
renders from worker threads. matplotlib is imported inside render_progress_chart so that the bot's
start-up does not pay for it, and renders go one at a time because matplotlib does not promise
thread safety.

Labels are Chinese first, with the English a learner should pick up next to them. matplotlib's own
fonts have no Chinese glyphs (they would show as boxes), so Chinese needs a system font that
find_cjk_font looks for (scripts/install-system-deps.sh installs one); without it every label is
English only.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import sys
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.container import BarContainer
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.lines import Line2D


@dataclass(frozen=True)
class DayProgress:
    date: dt.date
    cards_read: int  # sentence cards the learner opened that local day
    words_saved: int  # words saved to the vocabulary book that day
    answered: int  # quiz questions answered that day
    correct: int  # of which right


@dataclass(frozen=True)
class MemoryCounts:
    new: int  # saved words never reviewed
    learning: int  # reviewed, not yet stable
    known: int  # stable (FSRS stability >= 21 days)


CHART_SIZE = (1200, 800)  # pixels of the PNG
WINDOW_DAYS = 30

_DPI = 100
# Phones show the picture about 400 points wide, a third of its pixels: text under ~15 pt is unreadable.
_TITLE_PT = 30
_LABEL_PT = 20
_TICK_PT = 18
_CJK_PROBE = "生词本掌握"
_PREFERRED_FONTS = (
    "notosanscjk",
    "notosanssc",
    "sourcehansans",
    "wqy-microhei",
    "wqy-zenhei",
    "droidsansfallback",
)
_COLORS = {
    "cards": "#4C78A8",
    "words": "#F58518",
    "accuracy": "#8E5BB5",
    "new": "#9AB6D6",
    "learning": "#F2C14E",
    "known": "#54A24B",
    "muted": "#666666",
    "grid": "#DDDDDD",
}
_RENDER_LOCK = threading.Lock()


@dataclass(frozen=True)
class _Labels:
    cards: str
    words: str
    accuracy: str
    new: str
    learning: str
    known: str
    days: str
    memory: str
    no_data: str
    no_words: str
    fallback_title: str


_CHINESE = _Labels(
    cards="读过的句子 cards read",
    words="收藏的词 words saved",
    accuracy="测验正确率 quiz accuracy",
    new="新词 new",
    learning="学习中 learning",
    known="已掌握 known",
    days="最近 30 天 last 30 days",
    memory="生词本 vocabulary book",
    no_data="还没有数据 no data yet",
    no_words="生词本还是空的 no saved words yet",
    fallback_title="学习进度 progress",
)
_ENGLISH = _Labels(
    cards="cards read",
    words="words saved",
    accuracy="quiz accuracy",
    new="new",
    learning="learning",
    known="known",
    days="last 30 days",
    memory="vocabulary book",
    no_data="no data yet",
    no_words="no saved words yet",
    fallback_title="Your progress",
)


@functools.cache
def find_cjk_font() -> Path | None:
    """A font file that can draw Chinese, or None; cached because it opens font files one by one."""
    from matplotlib import font_manager

    for candidate in _by_preference(font_manager.findSystemFonts()):
        if _covers(candidate, _CJK_PROBE):
            return candidate
    return None


def _by_preference(paths: Iterable[str]) -> list[Path]:
    """Known CJK fonts first, so the common case opens one file instead of every font on the system."""

    def rank(path: Path) -> tuple[int, str]:
        name = path.name.lower().replace(" ", "").replace("_", "")
        hits = [i for i, known in enumerate(_PREFERRED_FONTS) if known in name]
        return (hits[0] if hits else len(_PREFERRED_FONTS), str(path))

    return sorted((Path(p) for p in paths), key=rank)


def _covers(path: Path, text: str) -> bool:
    from matplotlib.ft2font import FT2Font

    try:
        charmap = FT2Font(str(path)).get_charmap()
    except (OSError, RuntimeError, ValueError):  # unreadable or not a font FreeType knows
        return False
    return all(ord(char) in charmap for char in text)


def render_progress_chart(
    days: Sequence[DayProgress],
    memory: MemoryCounts,
    *,
    title: str,
    font_path: Path | None,
    today: dt.date | None = None,
) -> bytes:
    """PNG bytes, CHART_SIZE pixels, whatever the data (an empty month still gets a friendly picture).

    The 30 days end at `today`, or at the latest day given: pass `today` so that a learner who paused
    sees the pause. Days missing from `days` count as zero; two entries for one date are added up.
    """
    window = last_days(days, end=today)
    with _RENDER_LOCK:
        figure = _figure()
        _Chart(figure, font_path).draw(window, memory, title)
        return _png(figure)


def last_days(days: Iterable[DayProgress], *, end: dt.date | None) -> list[DayProgress]:
    """The WINDOW_DAYS days up to `end` with no gaps, so bars sit at their real dates."""
    totals: dict[dt.date, DayProgress] = {}
    for day in days:
        totals[day.date] = _add(totals.get(day.date), day)
    end = end or max(totals, default=None)
    if end is None:
        return []
    dates = [end - dt.timedelta(days=back) for back in range(WINDOW_DAYS - 1, -1, -1)]
    return [totals.get(date, DayProgress(date, 0, 0, 0, 0)) for date in dates]


def _add(total: DayProgress | None, day: DayProgress) -> DayProgress:
    if total is None:
        return day
    return DayProgress(
        day.date,
        total.cards_read + day.cards_read,
        total.words_saved + day.words_saved,
        total.answered + day.answered,
        total.correct + day.correct,
    )


def _figure() -> Figure:
    if "matplotlib.pyplot" not in sys.modules:  # switching pyplot's backend would close its figures
        import matplotlib

        matplotlib.use("Agg")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    width, height = CHART_SIZE
    figure = Figure(figsize=(width / _DPI, height / _DPI), dpi=_DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=_DPI, facecolor="white")
    return buffer.getvalue()


class _Chart:
    """One render: the figure plus the font every piece of text must use."""

    def __init__(self, figure: Figure, font_path: Path | None) -> None:
        self.figure = figure
        self.font_path = font_path
        self.labels = _CHINESE if font_path else _ENGLISH

    def font(self, size: float, weight: str = "normal") -> FontProperties:
        from matplotlib.font_manager import FontProperties

        if self.font_path:
            return FontProperties(fname=str(self.font_path), size=size, weight=weight)
        return FontProperties(family="DejaVu Sans", size=size, weight=weight)

    def draw(self, window: Sequence[DayProgress], memory: MemoryCounts, title: str) -> None:
        self.figure.get_layout_engine().set(h_pad=0.12, w_pad=0.25, hspace=0.08)
        self.figure.suptitle(self.title_text(title), fontproperties=self.font(_TITLE_PT, "bold"))
        days_axes, memory_axes = self.figure.subplots(2, 1, height_ratios=[3.6, 1])
        _DaysPanel(self, days_axes).draw(window)
        _MemoryPanel(self, memory_axes).draw(memory)

    def title_text(self, title: str) -> str:
        """Without a Chinese font, wide (CJK, emoji) characters would be boxes: leave them out."""
        if self.font_path:
            return title.strip() or self.labels.fallback_title
        kept = "".join(char for char in title if unicodedata.east_asian_width(char) not in ("W", "F"))
        return " ".join(kept.split()) or self.labels.fallback_title

    def message(self, axes: Axes, text: str) -> None:
        axes.text(
            0.5,
            0.5,
            text,
            transform=axes.transAxes,
            ha="center",
            va="center",
            color=_COLORS["muted"],
            fontproperties=self.font(_LABEL_PT + 3),
        )

    def panel_title(self, axes: Axes, text: str) -> None:
        axes.set_title(text, loc="left", fontproperties=self.font(_LABEL_PT + 1, "bold"), pad=10)


class _DaysPanel:
    """Bars for what was done each day, accuracy as a line over the days that had quiz answers."""

    def __init__(self, chart: _Chart, axes: Axes) -> None:
        self.chart = chart
        self.axes = axes

    def draw(self, window: Sequence[DayProgress]) -> None:
        labels = self.chart.labels
        _clean_frame(self.axes)
        self.axes.set_xlabel(labels.days, color=_COLORS["muted"], fontproperties=self.chart.font(_TICK_PT))
        self.date_ticks(window)
        if not any(day.cards_read or day.words_saved or day.answered for day in window):
            self.axes.set_yticks([])
            self.axes.set_ylim(0, 1)
            self.axes.spines["left"].set_visible(False)
            self.chart.message(self.axes, labels.no_data)
            return
        cards, words = self.bars(window)
        accuracy = self.accuracy(window)
        # Two columns fill column by column: this order puts both bars in the first row.
        handles = [cards, *accuracy, words] if accuracy else [cards, words]
        self.axes.legend(
            handles=handles,
            loc="lower left",
            bbox_to_anchor=(0.0, 1.0),
            ncol=2,  # three in a row would be wider than the chart and squeeze it
            frameon=False,
            prop=self.chart.font(_TICK_PT),
            handlelength=1.0,
            handletextpad=0.4,
            columnspacing=1.0,
            borderaxespad=0.3,
            borderpad=0.0,
        )

    def date_ticks(self, window: Sequence[DayProgress]) -> None:
        """A date every week, counted back from the last day so that today is always labelled."""
        self.axes.set_xlim(-0.7, WINDOW_DAYS - 0.3)
        positions = list(range(len(window) - 1, -1, -7))[::-1]
        names = [f"{window[i].date.month}/{window[i].date.day}" for i in positions]
        self.axes.set_xticks(positions, names, fontproperties=self.chart.font(_TICK_PT))

    def bars(self, window: Sequence[DayProgress]) -> tuple[BarContainer, BarContainer]:
        from matplotlib.ticker import MaxNLocator

        labels = self.chart.labels
        x = range(len(window))
        cards = [day.cards_read for day in window]
        words = [day.words_saved for day in window]
        width = 0.4
        cards_bars = self.axes.bar([i - width / 2 for i in x], cards, width, color=_COLORS["cards"], zorder=2)
        words_bars = self.axes.bar([i + width / 2 for i in x], words, width, color=_COLORS["words"], zorder=2)
        cards_bars.set_label(f"{labels.cards} · {sum(cards)}")
        words_bars.set_label(f"{labels.words} · {sum(words)}")
        top = max(max(cards), max(words), 1)
        ticks = [t for t in MaxNLocator(nbins=4, integer=True).tick_values(0, top) if t >= 0]
        self.axes.set_ylim(0, max(ticks[-1], top) * 1.05)
        self.axes.set_yticks(ticks, [f"{t:g}" for t in ticks], fontproperties=self.chart.font(_TICK_PT))
        self.axes.grid(axis="y", color=_COLORS["grid"], zorder=0)
        return cards_bars, words_bars

    def accuracy(self, window: Sequence[DayProgress]) -> list[Line2D]:
        answered = [(i, day) for i, day in enumerate(window) if day.answered > 0]
        if not answered:
            return []
        twin = self.axes.twinx()
        _clean_frame(twin, left=False, bottom=False, right=True)
        twin.set_ylim(0, 108)
        twin.set_yticks([0, 50, 100], ["0%", "50%", "100%"], fontproperties=self.chart.font(_TICK_PT))
        twin.tick_params(axis="y", colors=_COLORS["accuracy"])
        percents = [100 * min(day.correct, day.answered) / day.answered for _, day in answered]
        total = sum(day.answered for _, day in answered)
        right = sum(min(day.correct, day.answered) for _, day in answered)
        (line,) = twin.plot(
            [i for i, _ in answered],
            percents,
            color=_COLORS["accuracy"],
            linewidth=2,
            marker="o",
            markersize=9,
            markeredgecolor="white",
            markeredgewidth=1.5,
            zorder=3,
            clip_on=False,
            label=f"{self.chart.labels.accuracy} · {round(100 * right / total)}%",
        )
        return [line]


class _MemoryPanel:
    """One stacked bar: how many saved words are new, being learned and known."""

    def __init__(self, chart: _Chart, axes: Axes) -> None:
        self.chart = chart
        self.axes = axes

    def draw(self, memory: MemoryCounts) -> None:
        labels = self.chart.labels
        parts = [
            (labels.new, max(memory.new, 0), _COLORS["new"]),
            (labels.learning, max(memory.learning, 0), _COLORS["learning"]),
            (labels.known, max(memory.known, 0), _COLORS["known"]),
        ]
        total = sum(count for _, count, _ in parts)
        _clean_frame(self.axes, left=False, bottom=False)
        self.axes.set_xticks([])
        self.axes.set_yticks([])
        self.chart.panel_title(self.axes, f"{labels.memory} · {total}")
        if total == 0:
            self.chart.message(self.axes, labels.no_words)
            return
        self.stack(parts, total)

    def stack(self, parts: list[tuple[str, int, str]], total: int) -> None:
        self.axes.set_xlim(0, total)
        self.axes.set_ylim(-0.5, 0.5)
        left = 0
        handles = []
        for name, count, color in parts:
            bar = self.axes.barh(0, count, left=left, height=0.8, color=color, label=f"{name} · {count}")
            handles.append(bar)
            if count / total >= 0.06:  # a narrower segment cannot hold its number; the legend has it
                self.axes.text(
                    left + count / 2,
                    0,
                    str(count),
                    ha="center",
                    va="center",
                    fontproperties=self.chart.font(_LABEL_PT, "bold"),
                )
            left += count
        self.axes.legend(
            handles=handles,
            loc="upper center",
            bbox_to_anchor=(0.5, 0.0),
            ncol=3,
            frameon=False,
            prop=self.chart.font(_LABEL_PT),
            handlelength=1.2,
            columnspacing=2.0,
        )


def _clean_frame(axes: Axes, *, left: bool = True, bottom: bool = True, right: bool = False) -> None:
    """Only the spines that carry ticks: a frame around a small chart is noise on a phone screen."""
    axes.spines["top"].set_visible(False)
    axes.spines["left"].set_visible(left)
    axes.spines["bottom"].set_visible(bottom)
    axes.spines["right"].set_visible(right)
    axes.tick_params(labelsize=_TICK_PT)
