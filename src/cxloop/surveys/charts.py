"""A server-drawn chart of a survey's measure per week or month, as SVG geometry.

Like `cxloop.web.charts`, the template only places numbers computed here:
no JavaScript, no inline styles. The value axis is the kind's whole scale
(NPS -100 to +100, CSAT 0-100 %, CES 1-7), so charts of different ranges
compare at a glance; bars grow from zero (from 1 for CES), NPS bars below
zero point down, and a whisker shows the 95% interval where there is one.
"""

from dataclasses import dataclass

from django.utils import translation

from cxloop.core import formats
from cxloop.web.charts import mirror

from .results import Period
from .scoring import Kind

WIDTH = 1000
HEIGHT = 260
PAD_START = 56
PAD_END = 16
PAD_TOP = 12
PAD_BOTTOM = 28
MAX_DATE_LABELS = 12

AXES = {
    Kind.NPS: (-100, 100, 0, (-100, -50, 0, 50, 100)),
    Kind.CSAT: (0, 100, 0, (0, 25, 50, 75, 100)),
    Kind.CES: (1, 7, 1, (1, 2, 3, 4, 5, 6, 7)),
}


@dataclass
class ScoreBar:
    x: float
    y: float
    width: float
    height: float
    center: float
    is_negative: bool
    whisker_top: float | None
    whisker_bottom: float | None
    start: object
    value: float
    answers: int


@dataclass
class AxisTick:
    y: float
    label: str


@dataclass
class AxisLabel:
    x: float
    text: str


@dataclass
class ScoreChart:
    width: int
    height: int
    bars: list[ScoreBar]
    ticks: list[AxisTick]
    date_labels: list[AxisLabel]
    zero_y: float
    plot_start: int
    plot_end: int
    is_empty: bool
    tick_x: float = 0
    tick_anchor: str = "end"

    @property
    def has_intervals(self) -> bool:
        """Whether any bar carries an interval whisker (the legend promises lines only then)."""
        return any(bar.whisker_top is not None for bar in self.bars)


def build_score_chart(
    periods: list[Period], kind: str, *, bucket: str, width: int = WIDTH, height: int = HEIGHT
) -> ScoreChart:
    """A bar per period with answers (gaps for periods without), on the kind's full scale."""
    low, high, base, tick_values = AXES[kind]
    plot_height = height - PAD_TOP - PAD_BOTTOM
    slot = (width - PAD_START - PAD_END) / max(len(periods), 1)
    gap = min(8.0, slot * 0.25)

    def y_of(value: float) -> float:
        return round(PAD_TOP + (high - value) / (high - low) * plot_height, 2)

    zero_y = y_of(base)
    bars = []
    for index, period in enumerate(periods):
        value = period.scores.value
        if value is None:
            continue
        top, bottom = sorted((y_of(value), zero_y))
        interval = period.scores.interval
        x = round(PAD_START + index * slot + gap / 2, 2)
        bars.append(
            ScoreBar(
                x=x,
                y=top,
                width=round(slot - gap, 2),
                height=round(max(bottom - top, 1.0), 2),
                center=round(x + (slot - gap) / 2, 2),
                is_negative=value < base,
                whisker_top=y_of(interval.high) if interval else None,
                whisker_bottom=y_of(interval.low) if interval else None,
                start=period.start,
                value=value,
                answers=period.scores.n,
            )
        )
    ticks = [
        AxisTick(y=y_of(value), label=formats.number_text(value, 0, signed=kind == Kind.NPS))
        for value in tick_values
    ]
    every = max(1, -(-len(periods) // MAX_DATE_LABELS))
    label_text = formats.axis_label if bucket == "week" else formats.month_text
    labels = [
        AxisLabel(x=round(PAD_START + index * slot + slot / 2, 2), text=label_text(period.start))
        for index, period in enumerate(periods)
        if (len(periods) - 1 - index) % every == 0
    ]
    chart = ScoreChart(
        width=width,
        height=height,
        bars=bars,
        ticks=ticks,
        date_labels=labels,
        zero_y=zero_y,
        plot_start=PAD_START,
        plot_end=width - PAD_END,
        is_empty=not bars,
        tick_x=PAD_START - 8,
    )
    return mirror(chart) if translation.get_language_bidi() else chart
