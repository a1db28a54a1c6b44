"""The seeded routines: the seed plans' checks as plain data, in Chinese with English beside.

Each routine becomes a Checklist (matched by its key on a re-seed) with version 1 holding its
items. A routine covers a kind of asset, or one asset when the plans name a place's own round:
the gatekeeper's end-of-day check and the canteen's closing check and daily log.

Doors and windows have three schedules in the plans. The monthly check of their condition
covers every door and window (kind door_window: classrooms, stairs, the gatehouse, the
storeroom); the canteen's doors and windows are checked weekly, so they are a kind of their
own (canteen_door_window) and are not checked monthly as well. The daily closing rounds check
that things are shut and locked, not their condition: they hang on the door locked last.

Critical items are the ones whose failure makes the thing unsafe to use until repaired; an
out-of-range crack reading is not critical (see BUILDING_CRACK).

DUTIES names who does a routine, as the plans give each post its checks; the routines it
leaves out are everyone's. REMINDERS are the school times of a "not done yet" reminder.
"""

from datetime import time
from typing import NamedTuple

from app.models import Frequency, ItemType
from app.schedule import Schedule
from app.standard_checks import (
    BOLTS,
    CORROSION,
    FOUNDATIONS,
    GAS_APPLIANCES,
    PLAY_EQUIPMENT,
    Item,
    check,
)

MONDAY, WEDNESDAY, FRIDAY = 0, 2, 4


class Routine(NamedTuple):
    key: str
    name: str
    name_en: str
    schedule: Schedule
    items: tuple[Item, ...]
    kind: str | None = None  # a kind key from kindergarten.KINDS ...
    asset: str | None = None  # ... or one demo asset's code


def reading(text, text_en, unit, min_value=None, max_value=None, critical=False):
    return Item(text, text_en, ItemType.READING, critical, True, unit, min_value, max_value)


SWING_ITEMS = (
    check("秋千架立柱、横梁稳固，无松动、变形", "Frame posts and top beam firm: not loose or bent",
          critical=True),
    check("座板完好，无开裂、破损、尖锐边缘", "Seats intact: no cracks, splits or sharp edges",
          critical=True),
    check("铁链、吊环无磨损、变形，S 形钩完全闭合",
          "Chains and hangers not worn or bent; S-hooks fully closed", critical=True),
    check("吊点转动灵活，无异响", "Hangers on the top beam turn freely, no grinding"),
    BOLTS,
    CORROSION,
    FOUNDATIONS,
    check("座板下方及前后摆动区缓冲地面完好、厚度足够，无积水",
          "Surfacing under the seats and through the swing zone intact and deep enough; "
          "no standing water"),
    check("摆动区内无玻璃、石块、垃圾等杂物", "No glass, stones or litter in the swing zone"),
)

SPORTS_EQUIPMENT = (
    check("器材数量与登记相符，已全部归位", "Count matches the register; everything put back"),
    check("器材无开裂、断裂、变形，承重部件牢固",
          "Nothing cracked, broken or bent; load-bearing parts firm", critical=True),
    check("无毛刺、尖锐边角或外露钉子", "No splinters, sharp edges or protruding nails"),
    check("活动部件（车轮、卡扣等）灵活可靠", "Moving parts (wheels, clips) work and hold"),
    check("器材清洁，摆放整齐，取用通道畅通", "Clean, neatly stored, the way in kept clear"),
)

FAN_WIRING = check("开关、调速器、电线和插头完好，无焦味、发热",
                   "Switch, speed regulator, cable and plug sound; no burning smell or heat",
                   critical=True)
FANS = (
    check("安装牢固：吊扇吊杆、吊钩及防坠保险完好，壁扇支架、落地扇底座稳固",
          "Firmly mounted: ceiling fan rod, hook and safety cable sound; wall bracket or "
          "floor stand steady", critical=True),
    check("扇叶无变形、裂纹，防护网罩完好", "Blades not bent or cracked; guards intact",
          critical=True),
    FAN_WIRING,
    check("运转平稳，无明显晃动、异响", "Runs smoothly, without wobble or noise"),
    check("扇叶已清洁，轴承已加油", "Blades cleaned, bearing oiled"),
)

GAS_PIPES = (
    check("管道、阀门、接口无泄漏（涂肥皂水检查）",
          "Pipes, valves and joints not leaking (soapy-water test)", critical=True),
    check("燃气总阀开关灵活，能完全关断", "Main gas valve turns freely and shuts off fully",
          critical=True),
    check("燃气泄漏报警器工作正常（按测试键）", "Gas leak alarm works (test button)",
          critical=True),
    check("管道固定牢固，无锈蚀、变形、碰撞痕迹",
          "Pipes firmly fixed; no corrosion, dents or bends"),
    check("管道上无悬挂物品，周围无杂物堆放", "Nothing hung on the pipes or stacked against them"),
)

CANTEEN_ELECTRICAL = (
    check("电源线、插头、插座无破损、老化、烧焦痕迹",
          "Cables, plugs and sockets not damaged, perished or scorched", critical=True),
    check("外壳接地良好，漏电保护开关按试验键能跳闸",
          "Casing earthed; the residual-current breaker trips on its test button", critical=True),
    check("防护罩、急停开关、门联锁等安全装置有效",
          "Guards, emergency stop and door interlocks work", critical=True),
    check("运转正常，无异响、异味、过热", "Runs normally; no unusual noise, smell or heat"),
    check("设备清洁，周围地面干燥无积水", "Clean; the floor around it dry"),
)

CANTEEN_RODENT_GUARD = check("门口挡鼠板完好，门下缝隙不超过 6 毫米",
                             "Rodent guard at the door intact; gap under the door 6 mm at most")
CANTEEN_DOORS_WINDOWS = (
    check("门锁完好，能正常锁闭", "Locks work and lock properly"),
    check("门窗开关灵活，合页、滑轨无松动、损坏",
          "Doors and windows open and close freely; hinges and runners sound"),
    check("玻璃完好，无破裂、松动", "Glass intact: none cracked or loose"),
    check("纱门、纱窗完好，无破洞", "Fly screens on doors and windows intact, no holes"),
    CANTEEN_RODENT_GUARD,
)

DOORS_WINDOWS = (
    check("门窗开关灵活，合页、拉手、滑轨无松动、损坏",
          "Doors and windows open and close freely; hinges, handles and runners sound"),
    check("玻璃完好，无破裂、松动", "Glass intact: none cracked or loose", critical=True),
    check("门锁、插销完好", "Locks and bolts work"),
    check("窗户限位器、防护栏完好牢固，幼儿无法攀爬探身",
          "Window restrictors and guard bars intact and firm: no child can climb or lean out",
          critical=True),
    check("门的防夹手装置完好", "Finger guards on the doors intact"),
    check("窗台下无可供攀爬的桌椅、杂物", "Nothing under the windows a child could climb on"),
)

LIGHTS_ON = check("灯具全部能点亮，无闪烁", "Every light comes on; none flickering")
LIGHTING = (
    LIGHTS_ON,
    check("灯具、灯罩安装牢固，无松动、破损", "Fittings and covers firm, not loose or broken"),
    check("开关、插座面板完好，无破损、烧焦痕迹",
          "Switch and socket plates intact; no cracks or scorch marks"),
    check("无裸露电线", "No exposed wiring", critical=True),
    check("应急照明、疏散指示灯正常（如有）",
          "Emergency lights and exit signs work (where fitted)"),
)

# The gatekeeper keeps to the gate, opens and locks it on time, and asks every visitor their
# business and signs them in (plan 1, 二.7 and 二.8).
GATE_DAILY = (
    check("大门开关灵活，电动伸缩门运行平稳，无卡滞、异响",
          "The gate opens and closes freely; the electric sliding gate runs smoothly, without "
          "sticking or noise"),
    check("电动伸缩门遇阻即停，防夹功能有效",
          "The sliding gate stops when it meets something: its anti-trap safety works",
          critical=True),
    check("入园、离园时段门卫在岗，其余时间大门关闭上锁",
          "Gatekeeper at the gate while children arrive and leave; the gate shut and locked "
          "the rest of the time"),
    check("来访者逐一询问、登记，登记本记录完整",
          "Every visitor asked their business and signed in; the visitors' book complete"),
)

# Checks that things are off, shut and locked: failing one is put right on the spot, and the
# door they hang on is not what would be unsafe, so none of them is critical.
GATE_CLOSING = (
    check("门卫室电器（电热水壶、取暖器、电扇等）已关闭",
          "Appliances in the gatehouse (kettle, heater, fan) switched off"),
    check("不用的电源已断开（监控、门口照明除外）",
          "Power off where not needed (the cameras and the gate lights stay on)"),
    check("配电箱无异味、异响、发热，箱门已关好",
          "Distribution box: no smell, noise or heat; its door shut"),
    check("校园巡视一周：教室、办公室无人滞留，水电已关",
          "Walked the grounds: nobody left in classrooms or offices; water and power off"),
    check("门卫室门窗已关好锁好", "Gatehouse doors and windows shut and locked"),
    check("大门已关闭上锁", "Main gate closed and locked"),
    Item("值班情况记录（无异常可不填）", "Notes for the log (leave empty if all is well)",
         ItemType.TEXT, required=False),
)

CANTEEN_CLOSING = (
    check("工作人员已全部离开，无外人滞留", "Everyone has left; no outsider inside"),
    check("灶具全部熄火，燃气总阀已关闭", "All burners out; main gas valve shut"),
    check("电源已关闭（留样冰箱、消毒柜除外）",
          "Power off (except the sample refrigerator and the disinfection cabinet)"),
    check("水龙头已关好", "Taps turned off"),
    check("食品、原料已加盖或入库", "Food and ingredients covered or put away"),
    check("门窗已关好锁好", "Doors and windows shut and locked"),
)

DISINFECTION_TEMPERATURE = reading("消毒温度", "Disinfection temperature", "°C", min_value=120)
DISINFECTION_MINUTES = reading("消毒时间", "Disinfection time", "min", min_value=10)
SAMPLE_FRIDGE_TEMPERATURE = reading("留样冰箱温度", "Sample refrigerator temperature", "°C",
                                    min_value=0, max_value=8)
DISHES_SAMPLED = Item("今日留样菜品", "Dishes sampled today", ItemType.TEXT)
CANTEEN_DAILY_LOG = (
    check("餐用具已清洗消毒，存放于保洁柜",
          "Tableware washed, disinfected and kept in the clean cupboard"),
    # Infrared cabinets: 120 °C or more for 10 minutes or more (食品安全操作规范).
    DISINFECTION_TEMPERATURE,
    DISINFECTION_MINUTES,
    check("食物验收：票证齐全，感官检查合格，不合格的已退货",
          "Food accepted: supplier papers complete, looked at and smelled; anything unfit "
          "sent back"),
    check("每餐每个品种留样不少于 125 克，密封冷藏 48 小时，标明日期、餐次",
          "At least 125 g of every dish at every meal kept, sealed, labelled with date and "
          "meal, refrigerated for 48 hours"),
    SAMPLE_FRIDGE_TEMPERATURE,
    DISHES_SAMPLED,
)

# 0.3 mm is the usual limit for crack width in a concrete or masonry wall. A wider crack is
# not critical: taking the observation point "out of service" would close nothing; the fault
# it raises calls in the logistics head and a building engineer.
CRACK_WIDTH = reading("裂缝宽度（在标记点用裂缝宽度尺测量）",
                      "Crack width at the marked point (crack gauge)", "mm",
                      min_value=0, max_value=0.3)
BUILDING_CRACK = (
    CRACK_WIDTH,
    check("裂缝未延伸出端点标记", "The crack has not grown past its end marks"),
    check("周围无新增裂缝，无渗水、墙皮脱落",
          "No new cracks nearby; no seepage or flaking plaster"),
    Item("照片（裂缝旁放刻度尺，便于逐月对比）",
         "Photo with a ruler beside the crack, to compare month by month", ItemType.PHOTO,
         required=False),
)

SAFETY_NET = (
    check("网体无破洞、断绳、老化变脆", "Netting has no holes or broken cords and is not brittle",
          critical=True),
    check("固定点、挂钩、绑扎牢固，无松脱", "Fixings, hooks and ties secure; nothing come loose",
          critical=True),
    check("网与护栏、墙体之间无幼儿可钻过的缝隙",
          "No gap between the net and the railing or wall a child could get through",
          critical=True),
    check("网内无杂物", "Nothing lying in the net"),
    check("护栏附近无可攀爬的桌椅、杂物", "Nothing near the railing a child could climb on"),
)

AIR_CONDITIONER = (
    check("过滤网已拆下清洗", "Filters taken out and washed"),
    check("室内机外壳、出风口已清洁消毒", "Indoor unit casing and outlets cleaned and disinfected"),
    check("室外机支架牢固，无锈蚀、松动", "Outdoor unit bracket firm; no rust, nothing loose",
          critical=True),
    check("排水管畅通，室内机不滴水", "Drain pipe clear; the indoor unit does not drip"),
    check("试运行制冷正常，无异响、异味", "Test run: cools properly, no unusual noise or smell"),
    check("电源线、插座完好，无发热", "Cable and socket sound, not hot", critical=True),
    check("遥控器在位，电池有电", "Remote control in its place, batteries good"),
)

FIRST_AID_KIT = check("急救箱药品齐全，在有效期内", "First-aid kit complete and in date")
ODOMETER = reading("里程表读数", "Odometer reading", "km", min_value=0)
SCHOOL_BUS = (
    check("轮胎气压正常，花纹深度足够，无鼓包、裂口",
          "Tyres at the right pressure and tread depth; no bulges or cuts", critical=True),
    check("行车制动、驻车制动有效", "Service brake and parking brake work", critical=True),
    check("灯光正常：前照灯、转向灯、制动灯、危险报警闪光灯",
          "Lights work: headlights, indicators, brake lights, hazard lights", critical=True),
    check("每个座位的安全带齐全有效", "A working seat belt on every seat", critical=True),
    check("车门、应急出口、安全锤正常可用", "Doors, emergency exit and safety hammers ready to use",
          critical=True),
    check("灭火器在有效期内，压力正常", "Fire extinguisher in date, its pressure in the green",
          critical=True),
    FIRST_AID_KIT,
    check("机油、冷却液、制动液液位正常，雨刮正常",
          "Oil, coolant and brake fluid at their levels; wipers work"),
    ODOMETER,
)

COMPUTER = (
    check("杀毒软件已升级到最新病毒库", "Antivirus updated to the latest definitions"),
    check("全盘病毒查杀无异常", "Full virus scan found nothing"),
    check("系统安全补丁已更新", "Security updates installed"),
    check("重要资料已备份", "Important files backed up"),
    check("电源线、插座完好，下班关机断电",
          "Cable and socket sound; switched off at the end of the day"),
)


def weekly(weekday, grace_days=0):
    return Schedule(Frequency.WEEKLY, weekday=weekday, grace_days=grace_days)


def monthly(day, grace_days):
    return Schedule(Frequency.MONTHLY, day_of_month=day, grace_days=grace_days)


DAILY = Schedule(Frequency.DAILY)
# "每月初": in the first week of the month.
START_OF_MONTH = monthly(1, grace_days=6)

PLAYGROUND_ROUTINES = ("play_slide_weekly", "play_large_toy_weekly", "play_swing_weekly")

ROUTINES = (
    Routine("play_slide_weekly", "大型玩具每周一检查：滑梯", "Monday play equipment check: slides",
            weekly(MONDAY), PLAY_EQUIPMENT, kind="slide"),
    Routine("play_large_toy_weekly", "大型玩具每周一检查：攀爬架、转椅、跷跷板",
            "Monday play equipment check: climbing frame, roundabout, seesaw",
            weekly(MONDAY), PLAY_EQUIPMENT, kind="large_toy"),
    Routine("play_swing_weekly", "大型玩具每周一检查：秋千", "Monday play equipment check: swings",
            weekly(MONDAY), SWING_ITEMS, kind="swing"),
    Routine("sports_equipment_daily", "体育用品房器材每天整理检修",
            "Sports equipment room: daily tidy and check", DAILY, SPORTS_EQUIPMENT,
            kind="sports_equipment"),
    Routine("fan_monthly", "电扇每月初检修维护",
            "Electric fans: servicing at the start of the month", START_OF_MONTH, FANS,
            kind="fan"),
    # Friday: the kitchen stands empty over the weekend.
    Routine("canteen_gas_appliance_weekly", "食堂煤气用具每周检查",
            "Canteen gas appliances: weekly check", weekly(FRIDAY), GAS_APPLIANCES,
            kind="gas_appliance"),
    Routine("canteen_gas_pipe_weekly", "食堂煤气管道每周检查", "Canteen gas pipes: weekly check",
            weekly(FRIDAY), GAS_PIPES, kind="gas_pipe"),
    Routine("canteen_electrical_weekly", "食堂电器设备每周检查",
            "Canteen electrical equipment: weekly check", weekly(FRIDAY), CANTEEN_ELECTRICAL,
            kind="canteen_electrical"),
    Routine("canteen_door_window_weekly", "食堂门窗每周检查",
            "Canteen doors and windows: weekly check", weekly(FRIDAY), CANTEEN_DOORS_WINDOWS,
            kind="canteen_door_window"),
    Routine("door_window_monthly", "门窗每月检查（班级、楼梯等）",
            "Doors and windows: monthly check (classrooms, stairs and others)", START_OF_MONTH,
            DOORS_WINDOWS, kind="door_window"),
    # Midweek, done by Friday.
    Routine("lighting_weekly", "照明设施每周检查", "Lighting: weekly check",
            weekly(WEDNESDAY, grace_days=2), LIGHTING, kind="lighting"),
    Routine("gate_daily", "门卫每日大门检查（按时开关锁、来访登记）",
            "Main gate: daily check (opened and locked on time, visitors signed in)", DAILY,
            GATE_DAILY, asset="2TFC64"),
    Routine("gate_closing_daily", "门卫下班前检查（电器、电源、门窗）",
            "Gatehouse end-of-day check (appliances, power, doors and windows)", DAILY,
            GATE_CLOSING, asset="3RHJHX"),
    Routine("canteen_closing_daily", "食堂下班前检查（人离门锁）",
            "Canteen closing check (everyone out, doors locked)", DAILY, CANTEEN_CLOSING,
            asset="WBK32U"),
    Routine("canteen_daily_log", "食堂每日登记：餐具消毒、食物验收、留样",
            "Canteen daily log: tableware disinfection, food acceptance, meal samples", DAILY,
            CANTEEN_DAILY_LOG, asset="VTWSB8"),
    Routine("building_crack_monthly", "房屋裂缝每月观测", "Building cracks: monthly reading",
            START_OF_MONTH, BUILDING_CRACK, kind="building_crack"),
    # Mid-month, away from the start-of-month checks.
    Routine("safety_net_monthly", "安全防护网每月检查", "Safety nets: monthly check",
            monthly(15, grace_days=6), SAFETY_NET, kind="safety_net"),
    Routine("air_conditioner_yearly", "空调入夏前清洗保养",
            "Air conditioners: cleaning and servicing before summer",
            Schedule(Frequency.YEARLY, month=5, day_of_month=1, grace_days=30),
            AIR_CONDITIONER, kind="air_conditioner"),
    # Monday morning, before the week's first run.
    Routine("school_bus_weekly", "校车每周保养与安全检查",
            "School bus: weekly maintenance and safety check", weekly(MONDAY), SCHOOL_BUS,
            kind="school_bus"),
    Routine("computer_monthly", "电脑每月升级杀毒", "Computers: monthly antivirus update",
            START_OF_MONTH, COMPUTER, kind="computer"),
)

BY_KEY = {routine.key: routine for routine in ROUTINES}

# Routine key: the usernames of its people. The inspector does the Monday large-toy check,
# the monthly fans and the crack readings; the gatekeeper the gate; the canteen its own.
DUTIES = {
    **{key: ("inspector",) for key in PLAYGROUND_ROUTINES},
    "fan_monthly": ("inspector",),
    "building_crack_monthly": ("inspector",),
    "gate_daily": ("gatekeeper",),
    "gate_closing_daily": ("gatekeeper",),
    "canteen_daily_log": ("canteen",),
    "canteen_closing_daily": ("canteen",),
    "canteen_gas_appliance_weekly": ("canteen",),
    "canteen_gas_pipe_weekly": ("canteen",),
}

# The gate's check is done by the time it is locked; the Monday check by mid-morning.
REMINDERS = {
    "gate_daily": time(17, 30),
    **{key: time(10, 0) for key in PLAYGROUND_ROUTINES},
}
