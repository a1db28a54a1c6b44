"""Small charts drawn on the server as SVG: no JavaScript, readable at 360 px, in any language.

Each chart is a pure function from figures to markup. Its words (title, description, labels)
come from the caller already in the user's language; its title and description are the
chart's text alternative (role="img", labelled by them).

- chart_svg: one reading item over time; the allowed range is drawn as dashed red limit lines,
  readings outside it are red dots.
- bar_chart: one bar per row, a share from 0 to 100 %, its label above it (a routine's
  completion over the term); a row marked as needing attention is red.
- column_chart: one column per period, a count, with part of it marked red (the faults
  reported each week, the unsafe ones in red).
"""

from dataclasses import dataclass
from datetime import date

from markupsafe import Markup, escape

WIDTH, HEIGHT = 340, 170
LEFT, RIGHT, TOP, BOTTOM = 46, 14, 18, 28
PLOT_WIDTH = WIDTH - LEFT - RIGHT
PLOT_HEIGHT = HEIGHT - TOP - BOTTOM
INK, MUTED, LINE, DANGER, TRACK = "#1b1f24", "#5b6470", "#1d4e89", "#b3261e", "#e4e7eb"


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


def _open(height: int, chart_id: str, title: str, description: str) -> Markup:
    """The chart's element, labelled by its title and description (its text alternative)."""
    return Markup(
        '<svg class="chart" id="{id}" viewBox="0 0 {w} {h}" width="100%" role="img" '
        'xmlns="http://www.w3.org/2000/svg" font-size="11" font-family="sans-serif" '
        'aria-labelledby="{id}-title {id}-desc">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>'
    ).format(id=chart_id, w=WIDTH, h=height, title=title, desc=description)


@dataclass(frozen=True)
class Bar:
    label: str
    share: float  # 0 to 1
    value_text: str  # what is written at the bar's end, e.g. "92%"
    marked: bool = False  # needs attention: drawn red


BAR_ROW = 34


def bar_chart(bars: list[Bar], *, chart_id: str, title: str, description: str) -> Markup:
    """One bar per row, its label above it, its value at its right; empty with no bars."""
    if not bars:
        return Markup("")
    track_width = WIDTH - 44
    parts = [_open(BAR_ROW * len(bars) + 4, chart_id, title, description)]
    for row, bar in enumerate(bars):
        top = row * BAR_ROW
        share = min(max(bar.share, 0.0), 1.0)
        colour = DANGER if bar.marked else LINE
        parts.append(
            Markup(
                '<g class="{cls}"><title>{label}: {value}</title>'
                '<text class="label" x="0" y="{ty}" fill="{ink}">{short}</text>'
                '<rect class="track" x="0" y="{by}" width="{tw}" height="10" rx="3" '
                'fill="{track}"/>'
                '<rect class="bar" x="0" y="{by}" width="{bw}" height="10" rx="3" fill="{c}"/>'
                '<text class="value" x="{w}" y="{vy}" text-anchor="end" fill="{c}" '
                'font-weight="700">{value}</text></g>'
            ).format(
                cls="row marked" if bar.marked else "row",
                label=bar.label,
                short=_fitted(bar.label, WIDTH),
                value=bar.value_text,
                ty=top + 12,
                by=top + 18,
                vy=top + 27,
                tw=track_width,
                bw=_n(track_width * share),
                w=WIDTH,
                ink=INK,
                track=TRACK,
                c=colour,
            )
        )
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


@dataclass(frozen=True)
class Column:
    label: str  # under the column, e.g. the week's Monday
    value: int
    marked: int = 0  # how much of the value is drawn red, from the bottom


COLUMN_HEIGHT = 150


def column_chart(columns: list[Column], *, chart_id: str, title: str, description: str) -> Markup:
    """One column per period with its count above it; empty with no columns."""
    if not columns:
        return Markup("")
    top, bottom = 16, 22
    plot_height = COLUMN_HEIGHT - top - bottom
    slot = WIDTH / len(columns)
    width = min(slot * 0.6, 40)
    high = max(max(column.value for column in columns), 1)
    base = top + plot_height
    parts = [
        _open(COLUMN_HEIGHT, chart_id, title, description),
        Markup('<path class="axis" d="M0 {y} H{w}" stroke="{c}" stroke-width="1"/>').format(
            y=base, w=WIDTH, c=MUTED
        ),
    ]
    for index, column in enumerate(columns):
        middle = slot * index + slot / 2
        left = middle - width / 2
        height = plot_height * column.value / high
        marked = plot_height * min(column.marked, column.value) / high
        parts.append(
            Markup(
                '<g class="column"><title>{label}: {value}</title>'
                '<rect class="all" x="{x}" y="{y}" width="{cw}" height="{h}" fill="{line}"/>'
                '<rect class="marked" x="{x}" y="{my}" width="{cw}" height="{mh}" fill="{danger}"/>'
                '<text class="value" x="{m}" y="{vy}" text-anchor="middle" fill="{ink}">'
                "{value}</text>"
                '<text class="label" x="{m}" y="{ly}" text-anchor="middle" fill="{muted}">'
                "{label}</text>"
                "</g>"
            ).format(
                label=column.label,
                value=column.value,
                x=_n(left),
                y=_n(base - height),
                cw=_n(width),
                h=_n(height),
                my=_n(base - marked),
                mh=_n(marked),
                m=_n(middle),
                vy=_n(base - height - 4),
                ly=base + 15,
                line=LINE,
                danger=DANGER,
                ink=INK,
                muted=MUTED,
            )
        )
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def _fitted(text: str, width: float, font_size: float = 11) -> str:
    """The text cut to what fits the width on one line, with an ellipsis when cut: a wide
    (Chinese) character takes a whole em, any other about half of one."""
    room, used = width / font_size, 0.0
    for index, character in enumerate(text):
        used += 1.0 if ord(character) > 0x2E7F else 0.56
        if used > room - 1:
            return text[:index].rstrip() + "…"
    return text
