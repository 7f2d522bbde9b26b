"""Charts drawn on the server: the geometry of bars and lines, which a template prints as
inline SVG beside a table of the same numbers. No JavaScript, nothing to vendor.

Pure: numbers in, coordinates out (in SVG user units of a fixed view box).
"""

from dataclasses import dataclass

WIDTH, HEIGHT = 640, 220
# Room for the axis labels: left of the plot, and below it.
LEFT, BOTTOM, TOP = 40, 24, 10
ROW = 22  # one horizontal bar with its gap


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: float
    label: str
    series: int = 0  # which of the chart's series (for its colour)


@dataclass(frozen=True)
class Tick:
    """A label of an axis: a category under a column group, or a value beside a gridline."""

    x: float
    y: float
    text: str
    anchor: str = "middle"  # SVG text-anchor: "end" for labels left of what they name


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    ticks: list[Tick]
    # A line chart's points ("x,y x,y ..."), and the dots of its values.
    points: str = ""
    dots: tuple[Bar, ...] = ()


def _top(values: list[float]) -> float:
    """A round axis maximum at or above the largest value (1 for an empty chart)."""
    largest = max(values, default=0) or 1
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if largest <= step * 4:
            return step * 4
    return largest


def _gridlines(top: float, plot: float, fmt) -> list[Tick]:
    return [Tick(LEFT - 4, TOP + plot - plot * i / 4, fmt(top * i / 4), "end") for i in range(5)]


def columns(labels: list[str], series: list[list[int]]) -> Chart:
    """Grouped columns: one group per label, one column per series in each group."""
    top = _top([v for values in series for v in values])
    plot_h, plot_w = HEIGHT - TOP - BOTTOM, WIDTH - LEFT
    slot = plot_w / max(len(labels), 1)
    bar_w = slot * 0.8 / max(len(series), 1)
    bars = []
    for i, label in enumerate(labels):
        for s, values in enumerate(series):
            h = plot_h * values[i] / top
            x = LEFT + i * slot + slot * 0.1 + s * bar_w
            bars.append(Bar(x, TOP + plot_h - h, bar_w, h, values[i], label, s))
    ticks = [Tick(LEFT + (i + 0.5) * slot, HEIGHT - 6, label) for i, label in enumerate(labels)]
    return Chart(WIDTH, HEIGHT, bars, ticks + _gridlines(top, plot_h, lambda v: f"{v:g}"))


def line(labels: list[str], shares: list[float | None]) -> Chart:
    """A line of shares (0 to 1) per label; a label with no data breaks nothing, it is skipped."""
    plot_h, plot_w = HEIGHT - TOP - BOTTOM, WIDTH - LEFT
    slot = plot_w / max(len(labels), 1)
    dots = tuple(
        Bar(LEFT + (i + 0.5) * slot, TOP + plot_h * (1 - share), 0, 0, share, labels[i])
        for i, share in enumerate(shares)
        if share is not None
    )
    points = " ".join(f"{d.x:.1f},{d.y:.1f}" for d in dots)
    ticks = [Tick(LEFT + (i + 0.5) * slot, HEIGHT - 6, label) for i, label in enumerate(labels)]
    grid = _gridlines(1, plot_h, lambda v: f"{v:.0%}")
    return Chart(WIDTH, HEIGHT, [], ticks + grid, points, dots)


def horizontal(labels: list[str], values: list[int]) -> Chart:
    """One horizontal bar per label, longest scale at the largest value."""
    top = max(values, default=0) or 1
    label_w, plot_w = 160, WIDTH - 160 - 40
    bars = [
        Bar(label_w, TOP + i * ROW, plot_w * value / top, ROW - 6, value, label)
        for i, (label, value) in enumerate(zip(labels, values, strict=True))
    ]
    ticks = [Tick(label_w - 6, b.y + (ROW - 6) / 2 + 4, b.label, "end") for b in bars]
    return Chart(WIDTH, TOP * 2 + ROW * len(bars), bars, ticks)
