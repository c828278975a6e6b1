"""Server-drawn charts: turn a series into SVG geometry the template prints.

The template only places the numbers computed here, so a chart needs no
JavaScript and no inline styles (presentation attributes on SVG are enough).
Labels come from `cxloop.core.formats` (the page's date format and digits);
on right-to-left pages the chart is mirrored: time runs right to left and
the value axis stands on the right.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.utils import translation

from cxloop.core import formats

WIDTH = 1000
HEIGHT = 260
PAD_START = 72  # room for the value axis labels
PAD_END = 24
PAD_TOP = 12
PAD_BOTTOM = 28  # room for the date labels


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: Decimal


@dataclass
class Tick:
    y: float
    value: Decimal

    @property
    def label(self) -> str:
        """A short axis label in the page's language: 950, 2.5K, "۲٫۵ هزار", "1,2 mln"."""
        return formats.compact_text(self.value)


@dataclass
class DateLabel:
    x: float
    text: str


@dataclass
class BarChart:
    width: int
    height: int
    bars: list[Bar]
    ticks: list[Tick]
    date_labels: list[DateLabel]
    baseline_y: float
    plot_start: int
    plot_end: int
    is_empty: bool
    tick_x: float = 0
    tick_anchor: str = "end"


def _nice_step(maximum: Decimal, steps: int = 4) -> Decimal:
    """A round tick step (1, 2, 2.5 or 5 times a power of ten) covering `maximum`."""
    raw = maximum / steps
    power = Decimal(10) ** (len(str(int(raw))) - 1) if raw >= 1 else Decimal(1)
    for factor in (1, 2, Decimal("2.5"), 5, 10):
        if power * factor >= raw:
            return power * factor
    return power * 10


def _value_axis(top: Decimal, step: Decimal, baseline: float, plot_height: float, make) -> tuple:
    """The axis's top (a whole number of steps covering `top`) and a tick per step from 0, each made
    by `make(y, value)`."""
    ceiling = step * ((top / step).to_integral_value(rounding="ROUND_CEILING") or 1)
    ticks, value = [], Decimal(0)
    while value <= ceiling:
        ticks.append(make(round(baseline - float(value / ceiling) * plot_height, 2), value))
        value += step
    return ceiling, ticks


def build_bar_chart(
    series,
    *,
    value_attr: str = "revenue",
    date_attr: str = "day",
    width: int = WIDTH,
    height: int = HEIGHT,
    label_every: int = 7,
) -> BarChart:
    """A bar per item of `series` (oldest first), with 4-5 value ticks and a
    date label every `label_every` items, counted back from the newest."""
    values = [Decimal(getattr(item, value_attr)) for item in series]
    top = max(values, default=Decimal(0))
    step = _nice_step(top) if top > 0 else Decimal(1)
    plot_height = height - PAD_TOP - PAD_BOTTOM
    ceiling, ticks = _value_axis(top, step, PAD_TOP + plot_height, plot_height, Tick)
    plot_width = width - PAD_START - PAD_END
    slot = plot_width / max(len(values), 1)
    gap = min(2.0, slot * 0.2)
    baseline = PAD_TOP + plot_height
    bars = []
    for index, (item, value) in enumerate(zip(series, values, strict=True)):
        bar_height = float(value / ceiling) * plot_height if value > 0 else 0.0
        day = getattr(item, date_attr)
        bars.append(
            Bar(
                x=round(PAD_START + index * slot + gap / 2, 2),
                y=round(baseline - bar_height, 2),
                width=round(slot - gap, 2),
                height=round(bar_height, 2),
                label=formats.date_text(day),
                value=value,
            )
        )
    labels = [
        DateLabel(x=round(bar.x + bar.width / 2, 2), text=formats.axis_label(day))
        for index, (bar, day) in enumerate(
            zip(bars, (getattr(item, date_attr) for item in series), strict=True)
        )
        if (len(bars) - 1 - index) % label_every == 0
    ]
    chart = BarChart(
        width=width,
        height=height,
        bars=bars,
        ticks=ticks,
        date_labels=labels,
        baseline_y=baseline,
        plot_start=PAD_START,
        plot_end=width - PAD_END,
        is_empty=top <= 0,
        tick_x=PAD_START - 8,
    )
    return mirror(chart) if translation.get_language_bidi() else chart


def mirror(chart):
    """The chart flipped left to right for right-to-left pages: the newest day on
    the left, the value axis and its labels on the right. Text is not flipped."""
    width = chart.width
    for bar in chart.bars:
        bar.x = round(width - bar.x - bar.width, 2)
        if hasattr(bar, "center"):
            bar.center = round(width - bar.center, 2)
    for label in chart.date_labels:
        label.x = round(width - label.x, 2)
    chart.plot_start, chart.plot_end = width - chart.plot_end, width - chart.plot_start
    chart.tick_x = round(width - chart.tick_x, 2)
    chart.tick_anchor = "start"
    return chart


@dataclass
class GroupBar:
    x: float
    y: float
    width: float
    height: float
    series: int  # which series (0, 1 ...): its colour class
    label: str  # "<series>: <value>" for the tooltip


@dataclass
class GroupLabel:
    x: float
    text: str


@dataclass
class GroupedChart:
    width: int
    height: int
    bars: list[GroupBar]
    ticks: list
    group_labels: list[GroupLabel]
    plot_start: int
    plot_end: int
    is_empty: bool
    tick_x: float = 0
    tick_anchor: str = "end"

    @property
    def date_labels(self):  # `mirror` moves these
        return self.group_labels


@dataclass
class NumberTick:
    y: float
    value: Decimal
    decimals: int

    @property
    def label(self) -> str:
        return formats.number_text(self.value, self.decimals)


def _fine_step(maximum: Decimal, steps: int = 4) -> tuple[Decimal, int]:
    """A round tick step for any positive maximum, fractions included (0.05, 0.1, 0.25 ...), and the
    decimals its labels need."""
    raw = maximum / steps
    power = Decimal(1)
    while power > raw:
        power /= 10
    while power * 10 <= raw:
        power *= 10
    for factor in (1, 2, Decimal("2.5"), 5, 10):
        if power * factor >= raw:
            step = (power * factor).normalize()
            return step, max(0, -step.as_tuple().exponent)
    return power * 10, 0


def build_grouped_chart(
    groups: list[tuple[str, list]], series: list[str], *, width: int = WIDTH, height: int = HEIGHT
) -> GroupedChart:
    """Side-by-side bars: for each (label, values) group one bar per series, with value ticks and the
    groups' labels under them; mirrored on right-to-left pages like `build_bar_chart`."""
    values = [[Decimal(str(value)) for value in group_values] for _label, group_values in groups]
    top = max((value for group in values for value in group), default=Decimal(0))
    step, decimals = _fine_step(top) if top > 0 else (Decimal(1), 0)
    plot_height = height - PAD_TOP - PAD_BOTTOM
    ceiling, ticks = _value_axis(
        top, step, PAD_TOP + plot_height, plot_height, lambda y, value: NumberTick(y, value, decimals)
    )
    plot_width = width - PAD_START - PAD_END
    slot = plot_width / max(len(groups), 1)
    inner = slot * 0.7
    bar_width = inner / max(len(series), 1)
    baseline = PAD_TOP + plot_height
    bars, labels = [], []
    for index, ((label, _values), group) in enumerate(zip(groups, values, strict=True)):
        start = PAD_START + index * slot + (slot - inner) / 2
        for number, value in enumerate(group):
            bar_height = float(value / ceiling) * plot_height if value > 0 else 0.0
            bars.append(
                GroupBar(
                    x=round(start + number * bar_width, 2),
                    y=round(baseline - bar_height, 2),
                    width=round(bar_width - 2, 2),
                    height=round(bar_height, 2),
                    series=number,
                    label=f"{label} · {series[number]}: {formats.number_text(value, -3)}",
                )
            )
        labels.append(GroupLabel(x=round(PAD_START + index * slot + slot / 2, 2), text=label))
    chart = GroupedChart(
        width=width,
        height=height,
        bars=bars,
        ticks=ticks,
        group_labels=labels,
        plot_start=PAD_START,
        plot_end=width - PAD_END,
        is_empty=top <= 0,
        tick_x=PAD_START - 8,
    )
    return mirror(chart) if translation.get_language_bidi() else chart
