"""The readings chart: a pure function from readings to SVG."""

import xml.etree.ElementTree as ET
from datetime import date, timedelta

from app.rounds.chart import chart_svg

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
