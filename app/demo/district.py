"""The demo district as plain data: the kindergarten of today and two smaller ones.

青溪区教育局, a made-up district education bureau, holds three kindergartens drawn from the
same logistics plans: 阳光幼儿园 (app.demo.kindergarten, the deployment's first school, its
stories unchanged), 星星幼儿园 and 彩虹幼儿园, each with its own places, plate codes, people
and a few weeks of history. In 彩虹幼儿园 one check is overdue and the slide was found unsafe,
so the district's dashboard has something to show. A repair contractor is a repairer in the
two smaller ones, with a job assigned in each. The district's logistics office reads every
school; its admin manages them.

Plate codes are fixed, as the kindergarten's are, so printed demo labels keep working.
"""

from typing import NamedTuple

from app.demo import history, kindergarten
from app.demo.history import Failure, Story
from app.demo.kindergarten import DemoPerson
from app.demo.register import (
    DemoAsset,
    DemoPlace,
    air_conditioner,
    ceiling_fan,
    computer,
    demo_assets,
    doors_windows,
    lighting,
    place,
    stairs,
)
from app.demo.routines import (
    LIGHTS_ON,
    PLAYGROUND_ROUTINES,
    REMINDERS,
    ROUTINES,
    Routine,
)
from app.models import DistrictRole, PlaceKind, Role
from app.standard_checks import SLIDING_SURFACE


class DemoSchool(NamedTuple):
    code: str | None  # None: the deployment's first school, whatever its code
    users: tuple[DemoPerson, ...]
    reminders: dict
    story: Story
    # (asset code, username): the asset's open fault is assigned to that repairer.
    jobs: tuple[tuple[str, str], ...] = ()

    @property
    def name(self) -> str:
        return self.story.site.name

    @property
    def name_en(self) -> str:
        return self.story.site.name_en


def own_routines(site: DemoPlace, rounds: dict[str, str]) -> tuple[Routine, ...]:
    """The plans' routines as a smaller school runs them: each kind's routine where it has
    assets of that kind, and a place's own round on the asset `rounds` names for it."""
    kinds = {asset.kind for asset in demo_assets(site)}
    chosen = []
    for routine in ROUTINES:
        if routine.asset is not None and routine.key in rounds:
            chosen.append(routine._replace(asset=rounds[routine.key]))
        elif routine.kind in kinds:
            chosen.append(routine)
    return tuple(chosen)


DISTRICT_CODE = "qingxi"
DISTRICT_NAME, DISTRICT_NAME_EN = "青溪区教育局", "Qingxi District Education Bureau"

CONTRACTOR = DemoPerson("contractor", "赵师傅（维修公司）", Role.REPAIRER, "13800000008")
DISTRICT_PEOPLE = (
    DemoPerson("district", "钱科长（区教育局后勤科）", DistrictRole.OFFICE, "13800000011"),
    DemoPerson("district-admin", "冯主任（区教育局）", DistrictRole.ADMIN, "13800000012"),
)


def smaller_school(
    code: str,
    site: DemoPlace,
    *,
    admin: DemoPerson,
    inspector: DemoPerson,
    rounds: dict[str, str],
    reminded: tuple[str, ...],
    failure: Failure,
    inspectors_routines: tuple[str, ...] = (),
    overdue_candidates: tuple[tuple[str, str], ...] = (),
    crack_trends: dict[str, tuple[int, int, int, int]] | None = None,
) -> DemoSchool:
    """One of the district's smaller kindergartens: its admin, its inspector (named on
    `inspectors_routines`, and signing every check that names nobody) and the contractor as
    its repairer; the plans' routines as it runs them (own_routines), reminded as the
    kindergarten's are where `reminded` says; one planned failure, whose fault is the
    contractor's job."""
    return DemoSchool(
        code,
        (admin, inspector, CONTRACTOR),
        {key: REMINDERS[key] for key in reminded},
        Story(
            site,
            own_routines(site, rounds),
            {key: (inspector.username,) for key in inspectors_routines},
            inspector.username,
            (failure,),
            overdue_candidates,
            (),
            crack_trends or {},
        ),
        jobs=((failure.asset, CONTRACTOR.username),),
    )


STAR_SITE = place(
    "2XQYDN", "星星幼儿园", "Little Star Kindergarten", PlaceKind.SITE,
    "三个班，约 85 名幼儿。",
    children=(
        place(
            "43GX3Z", "门卫室", "Gatehouse", PlaceKind.BUILDING,
            assets=(
                DemoAsset("49BB7V", "door_window", "大门电动伸缩门", "Electric sliding main gate",
                          "XX-2016-0001"),
                doors_windows("4GMUDG"),
            ),
        ),
        place(
            "6XW5X5", "操场", "Playground", PlaceKind.AREA, "每周一检查大型玩具。",
            assets=(
                DemoAsset("7Y923X", "slide", "组合滑梯", "Combination slide", "XX-2018-0101"),
                DemoAsset("95CGRD", "large_toy", "攀爬架", "Climbing frame", "XX-2018-0102"),
                DemoAsset("97KZJD", "swing", "秋千", "Swing", "XX-2019-0103"),
            ),
        ),
        place(
            "9BYSJF", "教学楼", "Teaching building", PlaceKind.BUILDING, "两层。",
            children=(
                place("9MGVFH", "小班", "Junior Class", PlaceKind.ROOM, "28 名幼儿。", assets=(
                    ceiling_fan("A7VHMH"), air_conditioner("AEAD9Y"), lighting("AQ4N23"),
                    doors_windows("AYZS4B"),
                )),
                place("CTPVEF", "中班", "Middle Class", PlaceKind.ROOM, "29 名幼儿。", assets=(
                    ceiling_fan("D3NYRB"), air_conditioner("E34GSV"), lighting("ETWU4H"),
                    doors_windows("K7NZUR"),
                )),
                place("MCYRPG", "大班", "Senior Class", PlaceKind.ROOM, "28 名幼儿。", assets=(
                    ceiling_fan("NGBKV2"), air_conditioner("PCEXHC"), lighting("QHEE2V"),
                    doors_windows("TTMGRS"),
                )),
                stairs("UFXWXE", "楼梯", "Stairs", "UQ6WRD", "V4MZG9"),
            ),
        ),
        place(
            "VUAH65", "食堂", "Canteen", PlaceKind.BUILDING, "人离门锁。",
            assets=(
                DemoAsset("W8WDUC", "gas_appliance", "煤气灶", "Gas stove", "XX-2017-0601"),
                DemoAsset("WGU4TY", "gas_pipe", "燃气管道及阀门", "Gas pipes and valves"),
                DemoAsset("WH3J3H", "disinfection_cabinet", "消毒柜", "Disinfection cabinet",
                          "XX-2020-0602"),
                DemoAsset("WS2BJH", "canteen_electrical", "留样冰箱", "Food sample refrigerator",
                          "XX-2019-0603"),
                DemoAsset("YKBEYJ", "canteen_door_window", "操作间门窗",
                          "Canteen kitchen doors and windows"),
            ),
        ),
        place(
            "Z82JS3", "办公室", "Office", PlaceKind.ROOM,
            assets=(computer("ZZV286", "XX-2021-0401"),),
        ),
    ),
)

RAINBOW_SLIDE = "57QZCG"
RAINBOW_SITE = place(
    "25UW6R", "彩虹幼儿园", "Rainbow Kindergarten", PlaceKind.SITE,
    "两个班，约 55 名幼儿。",
    children=(
        place(
            "2NDR9C", "门卫室", "Gatehouse", PlaceKind.BUILDING,
            assets=(
                DemoAsset("4PA8SQ", "door_window", "大门", "Main gate", "CH-2017-0001"),
            ),
        ),
        place(
            "4UXSGK", "操场", "Playground", PlaceKind.AREA, "每周一检查大型玩具。",
            assets=(
                DemoAsset(RAINBOW_SLIDE, "slide", "滑梯", "Slide", "CH-2019-0101"),
                DemoAsset("6C5CCG", "large_toy", "跷跷板", "Seesaw", "CH-2019-0102"),
            ),
        ),
        place(
            "7VRQTY", "教学楼", "Teaching building", PlaceKind.BUILDING,
            assets=(
                DemoAsset("7XX9C7", "building_crack", "教学楼东墙裂缝观测点",
                          "Teaching building east wall crack", notes="宽约 0.12 mm；每月读数。"),
            ),
            children=(
                place("9FSX7D", "小班", "Junior Class", PlaceKind.ROOM, "27 名幼儿。", assets=(
                    ceiling_fan("9HJCCY"), lighting("9QMCHC"), doors_windows("CEXP73"),
                )),
                place("CGWNMQ", "大班", "Senior Class", PlaceKind.ROOM, "28 名幼儿。", assets=(
                    ceiling_fan("DE9KPJ"), lighting("EYJ26A"), doors_windows("F4FAYG"),
                )),
                place(
                    "G2CGXG", "二楼走廊", "Second-floor corridor", PlaceKind.AREA,
                    assets=(
                        DemoAsset("GERPJT", "safety_net", "二楼护栏安全防护网",
                                  "Second-floor railing safety net"),
                        lighting("HYGGN7"),
                    ),
                ),
            ),
        ),
        place(
            "JSZ5VS", "厨房", "Kitchen", PlaceKind.BUILDING,
            assets=(
                DemoAsset("MECWXW", "gas_appliance", "煤气灶", "Gas stove", "CH-2018-0601"),
                DemoAsset("MKKNTC", "gas_pipe", "燃气管道及阀门", "Gas pipes and valves"),
                DemoAsset("NUAEGU", "disinfection_cabinet", "消毒柜", "Disinfection cabinet",
                          "CH-2020-0602"),
            ),
        ),
        place(
            "NWX3DF", "器材室", "Equipment room", PlaceKind.ROOM,
            assets=(
                DemoAsset("P5JSGM", "sports_equipment", "平衡木（2 条）", "Balance beams (2)",
                          "CH-2019-0501"),
                DemoAsset("PGV7P8", "sports_equipment", "幼儿三轮车（5 辆）",
                          "Children's tricycles (5)", "CH-2019-0502"),
            ),
        ),
    ),
)

SUNSHINE = DemoSchool(None, kindergarten.USERS, REMINDERS, history.STORY)
STAR = smaller_school(
    "xingxing", STAR_SITE,
    admin=DemoPerson("admin2", "孙老师（后勤主任）", Role.ADMIN, "13800000006"),
    inspector=DemoPerson("inspector2", "周师傅（安全员）", Role.INSPECTOR, "13800000007"),
    rounds={
        "gate_daily": "49BB7V", "gate_closing_daily": "4GMUDG",
        "canteen_closing_daily": "YKBEYJ", "canteen_daily_log": "WH3J3H",
    },
    reminded=PLAYGROUND_ROUTINES,
    inspectors_routines=PLAYGROUND_ROUTINES,
    failure=Failure("ETWU4H", "lighting_weekly", 0, LIGHTS_ON, "一盏灯不亮，需更换灯管。"),
)
RAINBOW = smaller_school(
    "caihong", RAINBOW_SITE,
    admin=DemoPerson("admin3", "吴园长（园长）", Role.ADMIN, "13800000009"),
    inspector=DemoPerson("inspector3", "郑师傅（门卫兼安全员）", Role.INSPECTOR, "13800000010"),
    rounds={"gate_daily": "4PA8SQ", "canteen_daily_log": "NUAEGU"},
    # 郑师傅 keeps the gate: named on its daily check, so its 17:30 reminder reaches him (a
    # reminder goes only to a routine's named people).
    reminded=("gate_daily",),
    inspectors_routines=("gate_daily",),
    failure=Failure(RAINBOW_SLIDE, "play_slide_weekly", 0, SLIDING_SURFACE,
                    "滑道底部开裂，裂口边缘锋利，已围挡停用。"),
    overdue_candidates=(("GERPJT", "safety_net_monthly"), ("7XX9C7", "building_crack_monthly")),
    crack_trends={"7XX9C7": (12, 0, 12, 0)},
)
# The first is the deployment's first school: the kindergarten of the README's stories.
SCHOOLS = (SUNSHINE, STAR, RAINBOW)
