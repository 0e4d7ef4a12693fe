"""Horizontal bar charts as inline SVG, drawn on the server: no JavaScript, no chart library.

Each bar has its label on a line of its own above it and its value just after its end, so that
long French labels never need truncating. Lengths along the bars are percentages of the SVG's
width and text sizes are pixels: the chart stretches to its container without shrinking its
text on a phone. The SVG is an image with a text alternative (role="img", aria-label holding
every figure); pages show the same figures in a table beside it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

ROW_PX = 40  # height of one bar with its label
BAR_PX = 14
LABEL_BASELINE_PX = 15  # label text baseline, from the top of the row
BAR_TOP_PX = 21
LONGEST_BAR_PERCENT = 85.0  # leaves room for the value after the longest bar
INK, BAR = "#1e1e1e", "#0b4f8a"  # 16:1 and 8:1 against white (WCAG 1.4.3, 1.4.11)


@dataclass(frozen=True)
class Bar:
    """One bar: what it counts, how many, and that number as the page writes it."""

    label: str
    value: float
    text: str


def bars(items: Sequence[tuple[str, float]], formatter: Callable[[float], str] = str) -> list[Bar]:
    """(label, value) pairs as bars, values written by `formatter`."""
    return [Bar(label, value, formatter(value)) for label, value in items]


def bar_percent(value: float, largest: float) -> float:
    """Length of a bar as a percentage of the chart's width (the longest bar: 85 %)."""
    if largest <= 0 or value <= 0:
        return 0.0
    return round(value / largest * LONGEST_BAR_PERCENT, 2)


def bar_chart(items: Sequence[Bar], title: str, unit: tuple[str, str] = ("", "")) -> Markup:
    """An SVG bar chart of `items`; `title` and every label are escaped.

    Args:
        items: the bars, in the order to draw them.
        title: what the chart shows, the start of its text alternative.
        unit: the word after each value in the text alternative, singular (for 0 and 1, as in
            French) and plural: ("lieu", "lieux").
    """
    largest = max((bar.value for bar in items), default=0.0)

    def counted(bar: Bar) -> str:
        word = unit[0] if bar.value < 2 else unit[1]
        return f"{bar.label}, {bar.text} {word}".rstrip()

    alternative = f"{title} : " + " ; ".join(counted(b) for b in items) + "."
    height = ROW_PX * len(items)
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="100%" height="{height}" '
        f'role="img" aria-label="{escape(alternative)}">',
        f"<title>{escape(alternative)}</title>",
    ]
    for position, bar in enumerate(items):
        top = position * ROW_PX
        percent = bar_percent(bar.value, largest)
        parts.append(
            f'<g class="chart-bar">'
            f'<text class="chart-label" x="0" y="{top + LABEL_BASELINE_PX}" fill="{INK}" '
            f'font-size="14">{escape(bar.label)}</text>'
            f'<rect x="0" y="{top + BAR_TOP_PX}" width="{percent}%" height="{BAR_PX}" '
            f'fill="{BAR}"></rect>'
            f'<text class="chart-value" x="{percent}%" dx="6" y="{top + BAR_TOP_PX + 12}" '
            f'fill="{INK}" font-size="14" font-weight="700">{escape(bar.text)}</text>'
            f"</g>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated text is escaped above
