"""Bar charts as server-rendered, accessible SVG.

Each chart is an ``<svg role="img">`` named by its ``<title>`` and described by a ``<desc>``
that lists every number, so a screen reader hears the same figures the bars show; each bar
carries its label and value as text, so nothing depends on colour. Colours come from classes
in app.css (the CSP forbids inline styles); the same numbers stand in a table next to it.
"""

from __future__ import annotations

from collections.abc import Callable

from markupsafe import Markup, escape

from ki_match.reports.formatting import display
from ki_match.reports.services import Table

BAR_HEIGHT = 28
GAP = 10
LABEL_WIDTH = 230
BAR_AREA = 360
VALUE_WIDTH = 90
WIDTH = LABEL_WIDTH + BAR_AREA + VALUE_WIDTH
MAX_LABEL = 34


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"


def bar_chart(
    table: Table, value_index: int = 1, *, chart_id: str | None = None, shown: Callable = display
) -> Markup:
    """Horizontal bars of one numeric column of ``table``, one bar per row; ``shown`` writes a value."""
    chart_id = chart_id or f"chart-{table.key}"
    rows = [row for row in table.rows if row[value_index] is not None]
    unit = table.columns[value_index].unit
    values = [float(row[value_index]) for row in rows]
    texts = [shown(row[value_index], unit) for row in rows]
    biggest = max(values, default=0) or 1
    height = max(len(rows), 1) * (BAR_HEIGHT + GAP) + GAP
    described = "; ".join(f"{row[0]}: {text}" for row, text in zip(rows, texts, strict=True))
    title = f"{table.title} – {table.columns[value_index].label}"
    parts = [
        f'<svg class="chart" id="{chart_id}" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'xmlns="http://www.w3.org/2000/svg" focusable="false">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(described or "–")}</desc>',
    ]
    for index, (row, value, text) in enumerate(zip(rows, values, texts, strict=True)):
        y = GAP + index * (BAR_HEIGHT + GAP)
        width = round(BAR_AREA * value / biggest, 1) if value else 0
        middle = y + BAR_HEIGHT / 2
        parts.append(
            f'<text class="chart-label" x="{LABEL_WIDTH - 8}" y="{middle}" text-anchor="end" '
            f'dominant-baseline="middle">{escape(_short(str(row[0])))}</text>'
        )
        parts.append(
            f'<rect class="chart-bar" x="{LABEL_WIDTH}" y="{y}" width="{width}" height="{BAR_HEIGHT}"></rect>'
        )
        parts.append(
            f'<text class="chart-value" x="{LABEL_WIDTH + width + 6}" y="{middle}" '
            f'dominant-baseline="middle">{escape(text)}</text>'
        )
    parts.append(
        f'<line class="chart-axis" x1="{LABEL_WIDTH}" y1="0" x2="{LABEL_WIDTH}" y2="{height}"></line>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  (every text above went through escape())
