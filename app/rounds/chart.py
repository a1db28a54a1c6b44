"""A small line chart of readings, drawn on the server as SVG: no JavaScript, readable at 360 px.

The allowed range is drawn as dashed red limit lines; readings outside it are red dots.
"""

from datetime import date

from markupsafe import Markup, escape

WIDTH, HEIGHT = 340, 170
LEFT, RIGHT, TOP, BOTTOM = 46, 14, 18, 28
PLOT_WIDTH = WIDTH - LEFT - RIGHT
PLOT_HEIGHT = HEIGHT - TOP - BOTTOM
INK, MUTED, LINE, DANGER = "#1b1f24", "#5b6470", "#1d4e89", "#b3261e"


def chart_svg(
    points: list[tuple[date, float]],
    min_value: float | None,
    max_value: float | None,
    unit: str,
    *,
    label: str = "",
) -> Markup:
    """The chart of (day, value) points; empty when there is nothing to draw."""
    if not points:
        return Markup("")
    points = sorted(points, key=lambda point: point[0])
    values = [value for _, value in points]
    limits = [limit for limit in (min_value, max_value) if limit is not None]
    low, high = _padded(min(values + limits), max(values + limits))
    first, last = points[0][0], points[-1][0]
    span = (last - first).days

    def x(day: date) -> float:
        if span == 0:
            return LEFT + PLOT_WIDTH / 2
        return LEFT + PLOT_WIDTH * (day - first).days / span

    def y(value: float) -> float:
        return TOP + PLOT_HEIGHT * (high - value) / (high - low)

    def outside(value: float) -> bool:
        return (min_value is not None and value < min_value) or (
            max_value is not None and value > max_value
        )

    unit_text = escape(unit)
    title = escape(label) + (Markup(" (%s)") % unit_text if unit else "")
    parts = [
        Markup(
            '<svg class="chart" viewBox="0 0 {w} {h}" width="100%" role="img" '
            'xmlns="http://www.w3.org/2000/svg" font-size="11" font-family="sans-serif" '
            'aria-label="{title}"><title>{title}</title>'
        ).format(w=WIDTH, h=HEIGHT, title=title),
        Markup(
            '<path class="axis" d="M{l} {t} V{b} H{r}" fill="none" stroke="{c}" stroke-width="1"/>'
        ).format(l=LEFT, t=TOP, b=TOP + PLOT_HEIGHT, r=LEFT + PLOT_WIDTH, c=MUTED),
        Markup('<text class="unit" x="2" y="11" fill="{c}">{u}</text>').format(
            c=MUTED, u=unit_text
        ),
    ]
    for value in sorted({min(values), max(values)}):
        parts.append(
            Markup(
                '<text class="tick" x="{x}" y="{y}" text-anchor="end" fill="{c}">{v}</text>'
            ).format(x=LEFT - 4, y=_n(y(value) + 4), c=INK, v=_number(value))
        )
    for kind, limit, sign in (("max", max_value, "≤"), ("min", min_value, "≥")):
        if limit is None:
            continue
        parts.append(
            Markup(
                '<line class="limit {k}" x1="{x1}" x2="{x2}" y1="{y}" y2="{y}" stroke="{c}" '
                'stroke-width="1.5" stroke-dasharray="6 4"/>'
                '<text class="limit-label" x="{x2}" y="{ty}" text-anchor="end" fill="{c}">'
                "{s} {v}</text>"
            ).format(
                k=kind,
                x1=LEFT,
                x2=LEFT + PLOT_WIDTH,
                y=_n(y(limit)),
                ty=_n(y(limit) - 4 if kind == "max" else y(limit) + 13),
                c=DANGER,
                s=sign,
                v=_number(limit),
            )
        )
    if len(points) > 1:
        parts.append(
            Markup(
                '<polyline class="line" points="{p}" fill="none" stroke="{c}" stroke-width="2"/>'
            ).format(p=" ".join(f"{_n(x(day))},{_n(y(value))}" for day, value in points), c=LINE)
        )
    for day, value in points:
        bad = outside(value)
        parts.append(
            Markup(
                '<circle class="{cls}" cx="{x}" cy="{y}" r="{r}" fill="{c}">'
                "<title>{d}: {v} {u}</title></circle>"
            ).format(
                cls="point out" if bad else "point",
                x=_n(x(day)),
                y=_n(y(value)),
                r=5 if bad else 3.5,
                c=DANGER if bad else LINE,
                d=day.isoformat(),
                v=_number(value),
                u=unit_text,
            )
        )
    bottom = HEIGHT - 8
    if span == 0:
        parts.append(_day_label(first, LEFT + PLOT_WIDTH / 2, bottom, "middle"))
    else:
        parts.append(_day_label(first, LEFT, bottom, "start"))
        parts.append(_day_label(last, LEFT + PLOT_WIDTH, bottom, "end"))
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def _padded(low: float, high: float) -> tuple[float, float]:
    """Room above and below the drawn values; a flat series gets a band around its value."""
    pad = (high - low) * 0.12 if high > low else (abs(high) * 0.1 or 1.0)
    return low - pad, high + pad


def _day_label(day: date, x: float, y: float, anchor: str) -> Markup:
    return Markup(
        '<text class="day" x="{x}" y="{y}" text-anchor="{a}" fill="{c}">{d}</text>'
    ).format(x=_n(x), y=y, a=anchor, c=MUTED, d=day.isoformat())


def _n(coordinate: float) -> str:
    return f"{coordinate:.1f}"


def _number(value: float) -> str:
    return f"{value:g}"
