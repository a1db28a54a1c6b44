"""Label stock geometry and what a selection puts on a sheet."""

import pytest

from app.core.place_tree import PlaceTree, natural_key
from app.extensions import db
from app.labels import selection
from app.labels.sheets import PAGE_HEIGHT, PAGE_WIDTH, STOCKS, layout
from app.models import AssetStatus, PlaceKind
from tests.factories import make_asset, make_blank_code, make_kind, make_place


@pytest.mark.parametrize(
    "key, number, left, top",
    [
        ("L7160", 1, 7.25, 15.15),
        ("L7160", 2, 73.29, 15.15),
        ("L7160", 3, 139.33, 15.15),
        ("L7160", 4, 7.25, 53.25),
        ("L7160", 21, 139.33, 243.75),
        ("L7163", 1, 4.65, 15.15),
        ("L7163", 2, 106.25, 15.15),
        ("L7163", 14, 106.25, 243.75),
        ("plate", 1, 5.0, 5.125),
        ("plate", 8, 110.0, 227.875),
    ],
)
def test_nth_label_position(key, number, left, top):
    stock = STOCKS[key]
    cells = layout(stock, list(range(stock.per_sheet)))[0]
    assert (cells[number - 1].left, cells[number - 1].top) == (left, top)
    assert cells[number - 1].number == number


@pytest.mark.parametrize("key, per_sheet", [("L7160", 21), ("L7163", 14), ("plate", 8)])
def test_every_label_lies_on_the_page_without_overlap(key, per_sheet):
    stock = STOCKS[key]
    assert stock.per_sheet == per_sheet
    cells = layout(stock, list(range(per_sheet)))[0]
    for cell in cells:
        assert cell.left >= 0 and cell.left + stock.label_width <= PAGE_WIDTH
        assert cell.top >= 0 and cell.top + stock.label_height <= PAGE_HEIGHT
    assert stock.column_pitch >= stock.label_width and stock.row_pitch >= stock.label_height
    # QR, the code under it, and some text all fit inside the label.
    assert 2 * stock.padding + stock.qr_size + stock.code_pt * 0.3528 * 1.2 <= stock.label_height
    assert stock.label_width - 3 * stock.padding - stock.qr_size >= 25


def test_start_position_skips_cells_and_pages_break_after_a_full_sheet():
    stock = STOCKS["L7160"]
    sheets = layout(stock, [f"label {n}" for n in range(1, 31)], start=5)
    assert len(sheets) == 2
    first, second = sheets
    assert [cell.item for cell in first[:4]] == [None] * 4
    assert first[4].item == "label 1" and first[4].number == 5
    assert first[20].item == "label 17"
    assert [cell.item for cell in second[:13]] == [f"label {n}" for n in range(18, 31)]
    assert all(cell.item is None for cell in second[13:])
    assert (second[0].left, second[0].top) == (7.25, 15.15)


def test_exactly_full_sheets_add_no_empty_sheet():
    assert len(layout(STOCKS["L7163"], list(range(28)))) == 2
    assert len(layout(STOCKS["L7163"], list(range(28)), start=2)) == 3
    assert layout(STOCKS["plate"], []) == []


@pytest.mark.parametrize("start", [0, 22, -1])
def test_start_outside_the_sheet_is_refused(start):
    with pytest.raises(ValueError):
        layout(STOCKS["L7160"], ["x"], start=start)


@pytest.fixture
def school(app):
    """A site with a building, two rooms (one inside the other's building) and assets."""
    with app.app_context():
        site = make_place("阳光幼儿园", "Sunshine Kindergarten", kind=PlaceKind.SITE)
        building = make_place("教学楼", "Teaching building", PlaceKind.BUILDING, parent=site)
        room = make_place("大一班", "Class 1", PlaceKind.ROOM, parent=building)
        # Walked after the building, though 操场 sorts before 教学楼 by name.
        playground = make_place("操场", "Playground", PlaceKind.AREA, parent=site, position=1)
        fan = make_kind("fan", "电风扇", "Electric fan")
        slide = make_kind("slide", "滑梯", "Slide")
        assets = {
            "fan": make_asset("电风扇 1", "Fan 1", kind=fan, place=room),
            "old fan": make_asset(
                "电风扇 旧", "Old fan", kind=fan, place=room, status=AssetStatus.RETIRED
            ),
            "building fan": make_asset("电风扇 走廊", "Corridor fan", kind=fan, place=building),
            "slide": make_asset("滑梯 1", "Slide 1", kind=slide, place=playground),
        }
        db.session.commit()
        yield {
            "site": site,
            "building": building,
            "room": room,
            "playground": playground,
            "fan": fan,
            "slide": slide,
            **assets,
        }


def codes(chosen):
    return [label.code for label in chosen.labels]


def test_place_brings_its_sub_places_and_their_assets_in_walking_order(app, school):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        tree = PlaceTree.load()
        chosen = selection.for_place(tree, school["building"])
        assert codes(chosen) == [
            school["building"].code,
            school["building fan"].code,
            school["room"].code,
            school["fan"].code,
        ]
        assert chosen.retired_left_out == 1
        building, corridor_fan, room, fan = chosen.labels
        assert (building.title, building.where) == ("Teaching building", "Sunshine Kindergarten")
        # The site is on every label, so it is left out of the path below it.
        assert (room.title, room.where) == ("Class 1", "Teaching building")
        assert (fan.title, fan.where) == ("Fan 1", "Teaching building › Class 1")
        assert not fan.blank

        with_retired = selection.for_place(tree, school["room"], include_retired=True)
        assert codes(with_retired) == [
            school["room"].code,
            school["fan"].code,
            school["old fan"].code,
        ]
        assert with_retired.retired_left_out == 0


def test_labels_speak_the_pages_language(app, school):
    with app.test_request_context(headers={"Accept-Language": "zh"}):
        tree = PlaceTree.load()
        fan = selection.for_place(tree, school["room"]).labels[1]
        assert (fan.title, fan.where) == ("电风扇 1", "教学楼 › 大一班")


def test_kind_everywhere_or_within_a_place(app, school):
    with app.test_request_context():
        tree = PlaceTree.load()
        everywhere = selection.for_kind(tree, school["fan"])
        assert codes(everywhere) == [school["building fan"].code, school["fan"].code]
        assert everywhere.retired_left_out == 1
        within = selection.for_kind(tree, school["fan"], within=school["room"])
        assert codes(within) == [school["fan"].code]
        assert codes(selection.for_kind(tree, school["slide"], within=school["building"])) == []


def test_picked_assets_in_walking_order_retired_only_when_asked(app, school):
    with app.test_request_context():
        tree = PlaceTree.load()
        picked = [school["slide"], school["old fan"], school["fan"]]
        chosen = selection.for_assets(tree, picked)
        assert codes(chosen) == [school["fan"].code, school["slide"].code]
        assert chosen.retired_left_out == 1
        assert len(selection.for_assets(tree, picked, include_retired=True).labels) == 3


def test_whole_register(app, school):
    with app.test_request_context():
        chosen = selection.for_register(PlaceTree.load())
        assert codes(chosen) == [
            school["site"].code,
            school["building"].code,
            school["building fan"].code,
            school["room"].code,
            school["fan"].code,
            school["playground"].code,
            school["slide"].code,
        ]
        assert chosen.labels[0].where == ""


def test_blank_codes_registered_since_are_left_out(app, school):
    with app.test_request_context():
        blank = [make_blank_code() for _ in range(3)]
        blank[1].asset_id = school["fan"].id
        chosen = selection.for_blank_codes(blank)
        assert codes(chosen) == [blank[0].value, blank[2].value]
        assert all(label.blank and not label.title for label in chosen.labels)
        assert chosen.claimed_left_out == 1


def test_place_choices_are_indented_by_depth(app, school):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        choices = dict(PlaceTree.load().options(indent=selection.INDENT))
    assert choices[school["site"].id] == "Sunshine Kindergarten"
    assert choices[school["room"].id] == "\u2003\u2003Class 1"


def test_pick_list_is_narrowed_by_place_and_capped(app, school):
    with app.test_request_context():
        tree = PlaceTree.load()
        shown, total = selection.assets_to_pick(tree, school["building"], False, limit=1)
        assert total == 2 and [asset.code for asset, _ in shown] == [school["building fan"].code]
        _, total = selection.assets_to_pick(tree, None, True, limit=10)
        assert total == 4


def test_numbers_in_names_sort_as_numbers(app):
    with app.test_request_context():
        playground = make_place("操场", "Playground")
        for name in ("滑梯 10", "滑梯 2", "滑梯 1"):
            make_asset(name, None, place=playground)
        chosen = selection.for_place(PlaceTree.load(), playground)
        assert [label.title for label in chosen.labels[1:]] == ["滑梯 1", "滑梯 2", "滑梯 10"]
    assert natural_key("2号楼") < natural_key("10号楼") < natural_key("楼")
