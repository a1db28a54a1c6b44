"""The demo schools' registers as plain data: places, the assets in them, and how they are built.

Most rooms have the same few fittings (fans, an air conditioner, lighting, doors and windows,
beds, a computer), each named after its room as the plans' schools label them: 小一班吊扇 1号,
"Junior Class 1 ceiling fan 1". A place lists such a fitting by what it is and its code, as
ceiling_fan("8DDU6P", "YJ-2017-0001"), and place() names it; everything else a place holds
is a DemoAsset with a name of its own.
"""

from collections import Counter
from functools import partial
from typing import NamedTuple

from app.models import AssetStatus, PlaceKind


class DemoAsset(NamedTuple):
    code: str
    kind: str
    name: str
    name_en: str
    asset_number: str | None = None  # 校产编号; building fixtures have none
    notes: str = ""
    status: AssetStatus = AssetStatus.IN_SERVICE


class DemoPlace(NamedTuple):
    code: str
    name: str
    name_en: str
    kind: PlaceKind
    notes: str = ""
    assets: tuple[DemoAsset, ...] = ()
    children: tuple["DemoPlace", ...] = ()


class Fitting(NamedTuple):
    """One of a room's usual fittings: its name is the room's followed by what it is."""

    kind: str
    what: str
    what_en: str
    code: str
    asset_number: str | None = None
    notes: str = ""
    status: AssetStatus = AssetStatus.IN_SERVICE

    def named(self, room: str, room_en: str, number: int | None) -> DemoAsset:
        name, name_en = f"{room}{self.what}", f"{room_en} {self.what_en}"
        if number is not None:
            name, name_en = f"{name} {number}号", f"{name_en} {number}"
        return DemoAsset(
            self.code, self.kind, name, name_en, self.asset_number, self.notes, self.status
        )


# Each takes the fitting's code, then as DemoAsset: its asset number, notes and status.
ceiling_fan = partial(Fitting, "fan", "吊扇", "ceiling fan")
floor_fan = partial(Fitting, "fan", "落地扇", "floor fan")
wall_fan = partial(Fitting, "fan", "壁扇", "wall fan")
air_conditioner = partial(Fitting, "air_conditioner", "空调", "air conditioner")
lighting = partial(Fitting, "lighting", "照明", "lighting")
doors_windows = partial(Fitting, "door_window", "门窗", "doors and windows")
canteen_doors_windows = partial(Fitting, "canteen_door_window", "门窗", "doors and windows")
railing_net = partial(Fitting, "safety_net", "护栏安全防护网", "railing safety net")
beds = partial(Fitting, "furniture", "幼儿床", "beds")
computer = partial(Fitting, "computer", "电脑", "computer")


def place(
    code: str,
    name: str,
    name_en: str,
    kind: PlaceKind,
    notes: str = "",
    *,
    assets: tuple[DemoAsset | Fitting, ...] = (),
    children: tuple[DemoPlace, ...] = (),
    short_name: str | None = None,
) -> DemoPlace:
    """A demo place, its fittings named after it (in Chinese after its short name, where its
    labels use one) and numbered 1号, 2号... where it has several of one sort."""
    # Counted by kind as well: a canteen's doors and windows are not numbered with others.
    several = Counter((a.kind, a.what) for a in assets if isinstance(a, Fitting))
    numbered = Counter()
    named = []
    for asset in assets:
        if isinstance(asset, Fitting):
            sort = asset.kind, asset.what
            numbered[sort] += 1
            number = numbered[sort] if several[sort] > 1 else None
            asset = asset.named(short_name or name, name_en, number)
        named.append(asset)
    return DemoPlace(code, name, name_en, kind, notes, tuple(named), children)


def stairs(code: str, name: str, name_en: str, windows: str, net: str, *assets) -> DemoPlace:
    """A staircase: the windows on its landings, the safety net across its well, then the
    rest it holds."""
    # "East stairs": "East stair windows", "East stairwell safety net".
    stair_en = name_en.removesuffix("s")
    return place(code, name, name_en, PlaceKind.AREA, assets=(
        DemoAsset(windows, "door_window", f"{name}窗户", f"{stair_en} windows"),
        DemoAsset(net, "safety_net", f"{name}井安全防护网", f"{stair_en}well safety net"),
        *assets,
    ))


def demo_places(top: DemoPlace):
    """The place and every place within it, depth first in walking order."""
    yield top
    for child in top.children:
        yield from demo_places(child)


def demo_assets(site: DemoPlace):
    """Every demo asset of a school's site, in walking order."""
    for place in demo_places(site):
        yield from place.assets


def demo_codes(site: DemoPlace) -> list[str]:
    places = list(demo_places(site))
    return [p.code for p in places] + [a.code for p in places for a in p.assets]
