"""The readings chart: a pure function from readings to SVG."""

import xml.etree.ElementTree as ET
from datetime import date, timedelta

from app.charts import DANGER, LINE, Bar, Column, bar_chart, chart_svg, column_chart

SVG = "{http://www.w3.org/2000/svg}"
START = date(2026, 9, 1)


def parse(markup):
    return ET.fromstring(str(markup))


def monthly(*values):
    return [(START + timedelta(days=30 * i), value) for i, value in enumerate(values)]


def circles(svg):
    return svg.findall(f"{SVG}circle")


def limit_line(svg, kind):
    lines = [line for line in svg.findall(f"{SVG}line") if line.get("class") == f"limit {kind}"]
    return lines[0] if lines else None


def test_the_max_limit_is_a_dashed_red_line_at_the_limit_value():
    svg = parse(chart_svg(monthly(0.1, 0.3, 0.2), None, 0.3, "mm"))
    line = limit_line(svg, "max")
    assert line is not None
    assert line.get("stroke-dasharray")
    assert line.get("stroke") == "#b3261e"
    at_limit = circles(svg)[1]
    assert line.get("y1") == line.get("y2") == at_limit.get("cy")
    below = [float(c.get("cy")) for c in (circles(svg)[0], circles(svg)[2])]
    assert all(cy > float(line.get("y1")) for cy in below)  # SVG y grows downwards
    assert limit_line(svg, "min") is None


def test_both_limits_and_the_points_outside_them_are_red():
    svg = parse(chart_svg(monthly(5, 12, 8, 1), 2, 10, "°C"))
    low, high = limit_line(svg, "min"), limit_line(svg, "max")
    assert float(high.get("y1")) < float(low.get("y1"))
    marked = [c.get("class") for c in circles(svg)]
    assert marked == ["point", "point out", "point", "point out"]
    colours = [c.get("fill") for c in circles(svg)]
    assert colours[1] == colours[3] == "#b3261e"
    assert colours[0] != "#b3261e"


def test_a_point_on_the_limit_is_inside_the_range():
    svg = parse(chart_svg(monthly(0.3), None, 0.3, "mm"))
    assert circles(svg)[0].get("class") == "point"


def test_points_run_left_to_right_by_date_whatever_order_they_come_in():
    points = monthly(1, 2, 3)
    svg = parse(chart_svg(points[::-1], None, None, "mm"))
    xs = [float(c.get("cx")) for c in circles(svg)]
    ys = [float(c.get("cy")) for c in circles(svg)]
    assert xs == sorted(xs)
    assert ys == sorted(ys, reverse=True)
    assert svg.find(f"{SVG}polyline") is not None


def test_one_point_is_drawn_in_the_middle_with_its_date():
    svg = parse(chart_svg([(START, 0.2)], None, 0.3, "mm"))
    (point,) = circles(svg)
    assert svg.find(f"{SVG}polyline") is None
    assert START.isoformat() in ET.tostring(svg, encoding="unicode")
    viewbox_width = float(svg.get("viewBox").split()[2])
    assert 0 < float(point.get("cx")) < viewbox_width


def test_no_points_draws_nothing():
    assert chart_svg([], 0, 1, "mm") == ""


def test_all_equal_values_get_a_band_instead_of_dividing_by_zero():
    svg = parse(chart_svg(monthly(4, 4, 4), None, None, "bar"))
    ys = {c.get("cy") for c in circles(svg)}
    assert len(ys) == 1
    svg = parse(chart_svg(monthly(0, 0), None, None, "bar"))
    assert len(circles(svg)) == 2
    svg = parse(chart_svg([(START, 0.3), (START, 0.3)], 0.3, 0.3, "mm"))
    assert limit_line(svg, "max").get("y1") == limit_line(svg, "min").get("y1")


def test_axis_labels_show_the_unit_first_and_last_dates_and_the_values():
    text = str(chart_svg(monthly(0.12, 0.25), None, 0.3, "mm"))
    assert ">mm<" in text
    assert START.isoformat() in text
    assert (START + timedelta(days=30)).isoformat() in text
    assert ">0.12<" in text and ">0.25<" in text and "≤ 0.3" in text


def test_hostile_unit_and_label_are_escaped():
    hostile = '<script>alert("x")</script>'
    markup = chart_svg(monthly(1, 2), None, None, hostile, label=hostile + "&")
    assert "<script>" not in str(markup)
    assert "&lt;script&gt;" in str(markup)
    parse(markup)  # still well-formed


# Bars and columns: the dashboard's term completion and faults per week


def test_bars_are_as_long_as_their_share_and_red_when_marked():
    svg = parse(bar_chart(
        [Bar("Slides", 1.0, "100%"), Bar("Fans", 0.25, "25%", marked=True)],
        chart_id="term", title="Done this term", description="2 routines",
    ))
    tracks = [r for r in svg.iter(f"{SVG}rect") if r.get("class") == "track"]
    bars = [r for r in svg.iter(f"{SVG}rect") if r.get("class") == "bar"]
    full = float(tracks[0].get("width"))
    assert [float(b.get("width")) for b in bars] == [full, round(full * 0.25, 1)]
    assert [b.get("fill") for b in bars] == [LINE, DANGER]
    values = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "value"]
    assert values == ["100%", "25%"]


def test_a_chart_is_labelled_by_its_title_and_description():
    svg = parse(column_chart(
        [Column("23 Nov", 2)], chart_id="faults", title="每周报修数", description="最近 1 周：2",
    ))
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "faults-title faults-desc"
    assert svg.find(f"{SVG}title").get("id") == "faults-title"
    assert svg.find(f"{SVG}title").text == "每周报修数"
    assert svg.find(f"{SVG}desc").text == "最近 1 周：2"


def test_columns_are_as_tall_as_their_counts_with_the_marked_part_red():
    svg = parse(column_chart(
        [Column("16 Nov", 4, marked=1), Column("23 Nov", 2), Column("30 Nov", 0)],
        chart_id="faults", title="t", description="d",
    ))
    heights = {
        kind: [float(r.get("height")) for r in svg.iter(f"{SVG}rect") if r.get("class") == kind]
        for kind in ("all", "marked")
    }
    tallest = heights["all"][0]
    assert heights["all"] == [tallest, tallest / 2, 0]
    assert heights["marked"] == [tallest / 4, 0, 0]
    labels = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "label"]
    assert labels == ["16 Nov", "23 Nov", "30 Nov"]


def test_a_long_label_is_cut_to_one_line_and_kept_whole_in_its_title():
    name = "Monday play equipment check: climbing frame, roundabout, seesaw and the sandpit"
    svg = parse(bar_chart([Bar(name, 0.5, "50%")], chart_id="t", title="t", description="d"))
    shown = next(t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "label")
    assert shown.endswith("…") and name.startswith(shown[:-1])
    assert next(svg.iter(f"{SVG}g")).find(f"{SVG}title").text == f"{name}: 50%"
    chinese = "大型玩具每周检查" * 6
    shown = next(t.text for t in parse(bar_chart(
        [Bar(chinese, 0.5, "50%")], chart_id="t", title="t", description="d",
    )).iter(f"{SVG}text") if t.get("class") == "label")
    assert len(shown) < 32 and shown.endswith("…")


def test_no_bars_or_columns_draw_nothing():
    assert str(bar_chart([], chart_id="t", title="t", description="d")) == ""
    assert str(column_chart([], chart_id="t", title="t", description="d")) == ""
