"""The demo kindergarten as plain data, in the words of the seed logistics plans.

阳光幼儿园 is the kindergarten of the first plan: its weekly Monday check of large toys and
sports equipment, the monthly fan servicing, the canteen's weekly gas check, the gate's
daily check and end-of-day round, the crack readings and safety nets. Places are listed in
walking order. Its people are the plan's: the logistics head, a safety inspector, the
repairer, the gatekeeper and a canteen worker (who does which routine: routines.DUTIES).

The codes are fixed so that demo labels, once printed, keep working after a re-seed.
Asset kinds are matched by key: later checklists attach to these keys.
"""

from typing import NamedTuple

from app.models import AssetStatus, PlaceKind, Role

DEMO_PASSWORD = "demo"

# (username, display name, role)
USERS = (
    ("admin", "王丽（总务主任）", Role.ADMIN),
    ("inspector", "张师傅（安全员）", Role.INSPECTOR),
    ("repairer", "刘师傅（维修工）", Role.REPAIRER),
    ("gatekeeper", "李师傅（门卫）", Role.INSPECTOR),
    ("canteen", "陈阿姨（食堂）", Role.INSPECTOR),
)

# Made-up mobile numbers: a chat notice names its people by them.
MOBILES = {
    "admin": "13800000001",
    "inspector": "13800000002",
    "repairer": "13800000003",
    "gatekeeper": "13800000004",
    "canteen": "13800000005",
}

# (key, Chinese name, English name)
KINDS = (
    ("slide", "滑梯", "Slide"),
    ("large_toy", "大型玩具", "Large play equipment"),
    ("swing", "秋千", "Swing"),
    ("sports_equipment", "体育器材", "Sports equipment"),
    ("sand_pit_toys", "沙池玩具", "Sand pit toys"),
    ("fan", "电扇", "Electric fan"),
    ("air_conditioner", "空调", "Air conditioner"),
    ("lighting", "照明设施", "Lighting"),
    ("door_window", "门窗", "Doors and windows"),
    ("safety_net", "安全防护网", "Safety net"),
    ("building_crack", "房屋裂缝观测点", "Building crack observation point"),
    ("electrical", "电器设备", "Electrical equipment"),
    # The canteen's doors and equipment are checked weekly, the others monthly or not at all:
    # kinds of their own keep each kind-level routine to the assets the plans name.
    ("canteen_electrical", "食堂电器设备", "Canteen electrical equipment"),
    ("canteen_door_window", "食堂门窗", "Canteen doors and windows"),
    ("gas_appliance", "煤气用具", "Gas appliance"),
    ("gas_pipe", "煤气管道", "Gas pipe"),
    ("disinfection_cabinet", "消毒柜", "Disinfection cabinet"),
    ("computer", "电脑", "Computer"),
    ("school_bus", "校车", "School bus"),
    ("furniture", "家具", "Furniture"),
)

# The Monday check: "Playground: 0 of 7 slides and large toys".
PLAYGROUND_KINDS = ("slide", "large_toy", "swing")
# Where a new user starts: slide 2's label, "组合滑梯 2号".
START_ASSET = "4ZGV4P"
# The school's winter holiday, as most kindergartens take it: (name, first day, last day).
WINTER_HOLIDAY = ("寒假", (1, 19), (2, 21))


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


SITE = DemoPlace(
    "2ECD5Z", "阳光幼儿园", "Sunshine Kindergarten", PlaceKind.SITE,
    "六个班，约 170 名幼儿；本学期迎接省级评估。",
    children=(
        DemoPlace(
            "2QRV4A", "门卫室", "Gatehouse", PlaceKind.BUILDING,
            "门卫坚守岗位，按时关锁大门；来访者登记与询问；"
            "每天下班前检查电器、电源、门窗。",
            assets=(
                DemoAsset("2TFC64", "door_window", "大门电动伸缩门", "Electric sliding main gate",
                          "YJ-2015-0008", "放学后按时关锁。"),
                DemoAsset("37Y6D4", "electrical", "门卫室配电箱", "Gatehouse distribution box",
                          notes="下班前检查电源。"),
                DemoAsset("3GR2WQ", "lighting", "门卫室照明", "Gatehouse lighting"),
                DemoAsset("3QSWFX", "fan", "门卫室壁扇", "Gatehouse wall fan", "YJ-2017-0031"),
                DemoAsset("3RHJHX", "door_window", "门卫室门窗", "Gatehouse doors and windows"),
            ),
        ),
        DemoPlace(
            "4FV8ED", "操场", "Playground", PlaceKind.AREA,
            "每周一检查大型玩具、体育器材。",
            assets=(
                DemoAsset("4GVA4U", "slide", "组合滑梯 1号", "Combination slide 1",
                          "YJ-2016-0101", "含攀爬梯、平台和两条滑道。"),
                DemoAsset("4ZGV4P", "slide", "组合滑梯 2号", "Combination slide 2",
                          "YJ-2016-0102", "小班专用，滑道较矮。"),
                DemoAsset("54FXKA", "slide", "螺旋滑梯", "Spiral slide", "YJ-2019-0012"),
                DemoAsset("5685RT", "large_toy", "攀爬架", "Climbing frame", "YJ-2018-0045"),
                DemoAsset("5F548N", "large_toy", "转椅", "Roundabout", "YJ-2018-0046"),
                DemoAsset("5RNBDZ", "large_toy", "跷跷板", "Seesaw", "YJ-2017-0052"),
                DemoAsset("5ST6JX", "swing", "秋千", "Swing", "YJ-2019-0013",
                          "双座秋千，橡胶座板；铁链和吊环一并检查。"),
            ),
        ),
        DemoPlace(
            "63J2MX", "沙池", "Sand pit", PlaceKind.AREA,
            "门卫每天放学后整理沙池玩具，定期清洗。",
            assets=(
                DemoAsset("7DNSDZ", "sand_pit_toys", "沙池玩具（铲、桶、模具）",
                          "Sand pit toys (spades, buckets, moulds)", "YJ-2021-0210",
                          "一套约 40 件。"),
            ),
        ),
        DemoPlace(
            "7DSVWS", "教学楼", "Teaching building", PlaceKind.BUILDING,
            "三层：一楼小班，二楼中班，三楼大班和音乐室。",
            assets=(
                DemoAsset("7HWBME", "building_crack", "教学楼西山墙裂缝 2号观测点",
                          "Teaching building west wall crack, point 2",
                          notes="2019 年发现，宽约 0.2 mm；每月读数。"),
            ),
            children=(
                DemoPlace(
                    "7MZGPH", "一楼大厅", "Entrance hall", PlaceKind.AREA,
                    assets=(
                        DemoAsset("7Y8JPK", "lighting", "大厅照明", "Entrance hall lighting"),
                        DemoAsset("89JD6T", "air_conditioner", "大厅柜式空调",
                                  "Entrance hall floor-standing air conditioner", "YJ-2020-0101"),
                    ),
                ),
                DemoPlace(
                    "8BMPKT", "小一班", "Junior Class 1", PlaceKind.ROOM, "28 名幼儿。",
                    assets=(
                        DemoAsset("8DDU6P", "fan", "小一班吊扇 1号", "Junior Class 1 ceiling fan 1",
                                  "YJ-2017-0001"),
                        DemoAsset("8EBFQG", "fan", "小一班吊扇 2号", "Junior Class 1 ceiling fan 2",
                                  "YJ-2017-0002"),
                        DemoAsset("96CGBF", "air_conditioner", "小一班空调",
                                  "Junior Class 1 air conditioner", "YJ-2020-0102"),
                        DemoAsset("9EF8XK", "lighting", "小一班照明", "Junior Class 1 lighting"),
                        DemoAsset("9HC3NX", "door_window", "小一班门窗",
                                  "Junior Class 1 doors and windows"),
                        DemoAsset("A3RPWP", "furniture", "小一班幼儿床", "Junior Class 1 beds",
                                  "YJ-2015-0201", "28 张。"),
                        # Things that move between rooms: what a stocktake finds missing or
                        # in the wrong room.
                        DemoAsset("A5KEYB", "electrical", "小一班电子琴",
                                  "Junior Class 1 electronic keyboard", "YJ-2021-0301",
                                  "音乐课常借到音乐室，借用须登记。"),
                    ),
                ),
                DemoPlace(
                    "A8J5TB", "小二班", "Junior Class 2", PlaceKind.ROOM, "27 名幼儿。",
                    assets=(
                        DemoAsset("A9NSW4", "fan", "小二班吊扇 1号", "Junior Class 2 ceiling fan 1",
                                  "YJ-2017-0003"),
                        DemoAsset("AHF93R", "fan", "小二班吊扇 2号", "Junior Class 2 ceiling fan 2",
                                  "YJ-2017-0004"),
                        DemoAsset("AS9JB7", "air_conditioner", "小二班空调",
                                  "Junior Class 2 air conditioner", "YJ-2020-0103"),
                        DemoAsset("B4S4ND", "lighting", "小二班照明", "Junior Class 2 lighting"),
                        DemoAsset("B5VNZR", "door_window", "小二班门窗",
                                  "Junior Class 2 doors and windows"),
                        DemoAsset("B8HS7G", "furniture", "小二班幼儿床", "Junior Class 2 beds",
                                  "YJ-2015-0202", "27 张。"),
                        DemoAsset("B9UVMP", "electrical", "小二班移动紫外线消毒灯",
                                  "Junior Class 2 mobile UV disinfection lamp", "YJ-2019-0302",
                                  "带轮，可推到各班使用。"),
                    ),
                ),
                DemoPlace(
                    "BAJ8C4", "一楼走廊", "Ground-floor corridor", PlaceKind.AREA,
                    assets=(
                        DemoAsset("BDHH3J", "lighting", "一楼走廊照明",
                                  "Ground-floor corridor lighting"),
                    ),
                ),
                DemoPlace(
                    "BXHRNH", "东楼梯", "East stairs", PlaceKind.AREA,
                    assets=(
                        DemoAsset("BZGMKR", "door_window", "东楼梯窗户", "East stair windows"),
                        DemoAsset("C3Y3BV", "safety_net", "东楼梯井安全防护网",
                                  "East stairwell safety net"),
                        DemoAsset("CHACG7", "building_crack", "东楼梯间墙体裂缝 1号观测点",
                                  "East stairwell wall crack, point 1",
                                  notes="二楼平台处，宽约 0.15 mm；每月读数。"),
                    ),
                ),
                DemoPlace(
                    "CQHW8X", "中一班", "Middle Class 1", PlaceKind.ROOM, "30 名幼儿。",
                    assets=(
                        DemoAsset("D8CUAV", "fan", "中一班吊扇 1号", "Middle Class 1 ceiling fan 1",
                                  "YJ-2017-0005"),
                        DemoAsset("D94745", "fan", "中一班吊扇 2号", "Middle Class 1 ceiling fan 2",
                                  "YJ-2017-0006"),
                        DemoAsset("DA9H8V", "air_conditioner", "中一班空调",
                                  "Middle Class 1 air conditioner", "YJ-2020-0104"),
                        DemoAsset("DAUY4M", "lighting", "中一班照明", "Middle Class 1 lighting"),
                        DemoAsset("DQPEW5", "door_window", "中一班门窗",
                                  "Middle Class 1 doors and windows"),
                        DemoAsset("DZBAKQ", "furniture", "中一班幼儿床", "Middle Class 1 beds",
                                  "YJ-2015-0203", "30 张。"),
                    ),
                ),
                DemoPlace(
                    "E23XKT", "中二班", "Middle Class 2", PlaceKind.ROOM, "29 名幼儿。",
                    assets=(
                        DemoAsset("E6AUQX", "fan", "中二班吊扇 1号", "Middle Class 2 ceiling fan 1",
                                  "YJ-2017-0007"),
                        DemoAsset("EDRPGU", "fan", "中二班吊扇 2号", "Middle Class 2 ceiling fan 2",
                                  "YJ-2017-0008", "调速器损坏，已报修，暂停使用。",
                                  AssetStatus.OUT_OF_SERVICE),
                        DemoAsset("EHEHCX", "air_conditioner", "中二班空调",
                                  "Middle Class 2 air conditioner", "YJ-2020-0105"),
                        DemoAsset("EMR35V", "lighting", "中二班照明", "Middle Class 2 lighting"),
                        DemoAsset("ESMX96", "door_window", "中二班门窗",
                                  "Middle Class 2 doors and windows"),
                        DemoAsset("ET392Z", "furniture", "中二班幼儿床", "Middle Class 2 beds",
                                  "YJ-2015-0204", "29 张，其中 2 张待修。"),
                    ),
                ),
                DemoPlace(
                    "EUS6G6", "二楼走廊", "Second-floor corridor", PlaceKind.AREA,
                    assets=(
                        DemoAsset("EZBXU5", "lighting", "二楼走廊照明",
                                  "Second-floor corridor lighting"),
                        DemoAsset("F877VX", "safety_net", "二楼走廊护栏安全防护网",
                                  "Second-floor corridor railing safety net"),
                    ),
                ),
                DemoPlace(
                    "FFZMJX", "大一班", "Senior Class 1", PlaceKind.ROOM, "28 名幼儿。",
                    assets=(
                        DemoAsset("GJMSCT", "fan", "大一班吊扇 1号", "Senior Class 1 ceiling fan 1",
                                  "YJ-2017-0009"),
                        DemoAsset("H45DX3", "fan", "大一班吊扇 2号", "Senior Class 1 ceiling fan 2",
                                  "YJ-2017-0010"),
                        DemoAsset("H8EM74", "air_conditioner", "大一班空调",
                                  "Senior Class 1 air conditioner", "YJ-2020-0106"),
                        DemoAsset("HS44RF", "lighting", "大一班照明", "Senior Class 1 lighting"),
                        DemoAsset("J27DWW", "door_window", "大一班门窗",
                                  "Senior Class 1 doors and windows"),
                        DemoAsset("J3QXT3", "furniture", "大一班幼儿床", "Senior Class 1 beds",
                                  "YJ-2015-0205", "28 张。"),
                    ),
                ),
                DemoPlace(
                    "J9CCNX", "大二班", "Senior Class 2", PlaceKind.ROOM, "28 名幼儿。",
                    assets=(
                        DemoAsset("JCN2M6", "fan", "大二班吊扇 1号", "Senior Class 2 ceiling fan 1",
                                  "YJ-2017-0011"),
                        DemoAsset("JRYUW6", "fan", "大二班吊扇 2号", "Senior Class 2 ceiling fan 2",
                                  "YJ-2017-0012"),
                        DemoAsset("JSECEC", "air_conditioner", "大二班空调",
                                  "Senior Class 2 air conditioner", "YJ-2020-0107"),
                        DemoAsset("JX24UM", "lighting", "大二班照明", "Senior Class 2 lighting"),
                        DemoAsset("K24GW5", "door_window", "大二班门窗",
                                  "Senior Class 2 doors and windows"),
                        DemoAsset("K47UC4", "furniture", "大二班幼儿床", "Senior Class 2 beds",
                                  "YJ-2015-0206", "28 张。"),
                    ),
                ),
                DemoPlace(
                    "K5T3V2", "音乐室", "Music room", PlaceKind.ROOM,
                    "省级评估前整理好窗帘、地柜门。",
                    assets=(
                        DemoAsset("K7FTTZ", "fan", "音乐室吊扇", "Music room ceiling fan",
                                  "YJ-2017-0013"),
                        DemoAsset("KGWQPY", "air_conditioner", "音乐室空调",
                                  "Music room air conditioner", "YJ-2020-0108"),
                        DemoAsset("KHXVCV", "lighting", "音乐室照明", "Music room lighting"),
                        DemoAsset("KNEY3V", "door_window", "音乐室门窗及窗帘",
                                  "Music room doors, windows and curtains"),
                        DemoAsset("KZ9AHE", "furniture", "音乐室地柜", "Music room floor cabinets",
                                  "YJ-2016-0230", "柜门合页松动，待整理。"),
                    ),
                ),
                DemoPlace(
                    "M3N3YP", "三楼走廊", "Third-floor corridor", PlaceKind.AREA,
                    assets=(
                        DemoAsset("M6N6N5", "lighting", "三楼走廊照明",
                                  "Third-floor corridor lighting"),
                        DemoAsset("MNAAB6", "safety_net", "三楼走廊护栏安全防护网",
                                  "Third-floor corridor railing safety net"),
                    ),
                ),
                DemoPlace(
                    "MQNVSZ", "西楼梯", "West stairs", PlaceKind.AREA,
                    assets=(
                        DemoAsset("MZ9HXK", "door_window", "西楼梯窗户", "West stair windows"),
                        DemoAsset("N5JJ9U", "safety_net", "西楼梯井安全防护网",
                                  "West stairwell safety net"),
                    ),
                ),
            ),
        ),
        DemoPlace(
            "NM7TR4", "综合楼", "Administration building", PlaceKind.BUILDING,
            "又称行政楼：办公室、体育用品房和库房。",
            assets=(
                DemoAsset("NN3YUB", "building_crack", "综合楼北墙裂缝 3号观测点",
                          "Administration building north wall crack, point 3",
                          notes="宽约 0.1 mm，近两年无变化；每月读数。"),
            ),
            children=(
                DemoPlace(
                    "NQHWQA", "园长办公室", "Principal's office", PlaceKind.ROOM,
                    assets=(
                        DemoAsset("P4M8GB", "fan", "园长办公室落地扇",
                                  "Principal's office floor fan", "YJ-2018-0301"),
                        DemoAsset("PTF89V", "air_conditioner", "园长办公室空调",
                                  "Principal's office air conditioner", "YJ-2020-0109"),
                        DemoAsset("PVYTQG", "lighting", "园长办公室照明",
                                  "Principal's office lighting"),
                        DemoAsset("PX2R4D", "computer", "园长办公室电脑",
                                  "Principal's office computer", "YJ-2021-0401"),
                    ),
                ),
                DemoPlace(
                    "Q4Y64S", "后勤办公室（总务处）", "Logistics office", PlaceKind.ROOM,
                    "报修单送到这里；维修完毕，由报修人验收签字。",
                    assets=(
                        DemoAsset("R23644", "fan", "后勤办公室落地扇", "Logistics office floor fan",
                                  "YJ-2018-0302"),
                        DemoAsset("R4H93S", "air_conditioner", "后勤办公室空调",
                                  "Logistics office air conditioner", "YJ-2020-0110"),
                        DemoAsset("R5CEBQ", "lighting", "后勤办公室照明",
                                  "Logistics office lighting"),
                        DemoAsset("RAPNHS", "computer", "后勤办公室电脑",
                                  "Logistics office computer", "YJ-2021-0402"),
                    ),
                ),
                DemoPlace(
                    "RDFN5B", "财务室", "Finance office", PlaceKind.ROOM,
                    assets=(
                        DemoAsset("RKGYJS", "fan", "财务室落地扇", "Finance office floor fan",
                                  "YJ-2018-0303"),
                        DemoAsset("RMCPW3", "air_conditioner", "财务室空调",
                                  "Finance office air conditioner", "YJ-2020-0111"),
                        DemoAsset("RSB5VB", "lighting", "财务室照明", "Finance office lighting"),
                        DemoAsset("RSVT56", "computer", "财务室电脑", "Finance office computer",
                                  "YJ-2021-0403", "财务软件专用，升级杀毒前先备份。"),
                    ),
                ),
                DemoPlace(
                    "RX3XNG", "教师办公室", "Teachers' office", PlaceKind.ROOM,
                    "放假前检查办公电脑及电源是否关闭。",
                    assets=(
                        DemoAsset("S5KDRC", "fan", "教师办公室吊扇 1号",
                                  "Teachers' office ceiling fan 1", "YJ-2017-0014"),
                        DemoAsset("SEKACX", "fan", "教师办公室吊扇 2号",
                                  "Teachers' office ceiling fan 2", "YJ-2017-0015"),
                        DemoAsset("SFGJHE", "air_conditioner", "教师办公室空调",
                                  "Teachers' office air conditioner", "YJ-2020-0112"),
                        DemoAsset("SJ9WYG", "lighting", "教师办公室照明",
                                  "Teachers' office lighting"),
                        DemoAsset("SRFH9D", "computer", "教师办公室电脑 1号",
                                  "Teachers' office computer 1", "YJ-2019-0404"),
                        DemoAsset("SVDRJ3", "computer", "教师办公室电脑 2号",
                                  "Teachers' office computer 2", "YJ-2019-0405"),
                    ),
                ),
                DemoPlace(
                    "T263PH", "综合楼走廊", "Administration corridor", PlaceKind.AREA,
                    assets=(
                        DemoAsset("T7GT25", "lighting", "综合楼走廊照明",
                                  "Administration corridor lighting"),
                    ),
                ),
                DemoPlace(
                    "TKWWYA", "体育用品房", "Sports equipment room", PlaceKind.ROOM,
                    "每天整理和检修器材，保证体育器械的安全。",
                    assets=(
                        DemoAsset("U8MHSN", "sports_equipment", "平衡木（4 条）",
                                  "Balance beams (4)", "YJ-2018-0501"),
                        DemoAsset("UESHPE", "sports_equipment", "钻爬圈和拱门（10 个）",
                                  "Crawling hoops and arches (10)", "YJ-2018-0502"),
                        DemoAsset("UK45YQ", "sports_equipment", "幼儿篮球（20 个）",
                                  "Children's basketballs (20)", "YJ-2021-0503"),
                        DemoAsset("UKMK3S", "sports_equipment", "幼儿三轮车（8 辆）",
                                  "Children's tricycles (8)", "YJ-2019-0504",
                                  "一辆后轮松动，已拆下待修。"),
                        DemoAsset("USZS23", "sports_equipment", "呼啦圈和跳绳",
                                  "Hula hoops and skipping ropes", "YJ-2022-0505"),
                    ),
                ),
                DemoPlace(
                    "UY2RN7", "库房", "Storeroom", PlaceKind.ROOM,
                    "每月固定资产对帐和盘存；学期结束前清查班级物品和库房盘点。",
                    assets=(
                        DemoAsset("UZ4X3E", "door_window", "库房门窗", "Storeroom door and windows",
                                  notes="钥匙由后勤办公室统一保管。"),
                    ),
                ),
            ),
        ),
        DemoPlace(
            "V3HT3W", "食堂", "Canteen", PlaceKind.BUILDING,
            "食堂重地，严禁非工作人员入内；人离门锁。",
            children=(
                DemoPlace(
                    "V5FKTT", "食堂操作间", "Canteen kitchen", PlaceKind.ROOM,
                    "每天餐用具消毒、食物验收、幼儿用餐留样并登记。",
                    assets=(
                        DemoAsset("VBFNRJ", "gas_appliance", "煤气灶 1号（双眼大锅灶）",
                                  "Gas stove 1 (double wok range)", "YJ-2016-0601"),
                        DemoAsset("VCMM3V", "gas_appliance", "煤气灶 2号（蒸煮灶）",
                                  "Gas stove 2 (steaming range)", "YJ-2016-0602"),
                        DemoAsset("VR9G5K", "gas_pipe", "燃气管道及阀门", "Gas pipes and valves",
                                  notes="每周用肥皂水检查接口有无漏气。"),
                        DemoAsset("VTWSB8", "disinfection_cabinet", "消毒柜",
                                  "Disinfection cabinet",
                                  "YJ-2020-0603", "餐用具每天消毒并登记。"),
                        DemoAsset("VVKHV5", "canteen_electrical", "电蒸饭柜",
                                  "Electric rice steamer", "YJ-2018-0604"),
                        DemoAsset("VWAHDX", "canteen_electrical", "和面机", "Dough mixer",
                                  "YJ-2018-0605"),
                        DemoAsset("W5KT8A", "canteen_electrical", "留样冰箱",
                                  "Food sample refrigerator", "YJ-2019-0606",
                                  "每餐留样 48 小时，做好登记。"),
                        DemoAsset("WBK32U", "canteen_door_window", "操作间门窗",
                                  "Canteen kitchen doors and windows"),
                    ),
                ),
                DemoPlace(
                    "WSENAZ", "餐厅", "Dining room", PlaceKind.ROOM,
                    "晚托班也在这里。",
                    assets=(
                        DemoAsset("X7BH9Z", "fan", "餐厅吊扇", "Dining room ceiling fan",
                                  "YJ-2017-0016"),
                        DemoAsset("XWUBJS", "lighting", "餐厅照明", "Dining room lighting"),
                        DemoAsset("YWS3HZ", "canteen_door_window", "餐厅门窗",
                                  "Dining room doors and windows"),
                    ),
                ),
            ),
        ),
        DemoPlace(
            "Z64M8V", "停车场", "Parking area", PlaceKind.AREA,
            assets=(
                DemoAsset("Z6ZH4R", "school_bus", "校车", "School bus", "YJ-2018-0001",
                          "19 座幼儿专用校车，车牌苏A·D3286；司机负责保养与行车安全。"),
            ),
        ),
    ),
)


def demo_places(place=SITE):
    """Every demo place, depth first in walking order."""
    yield place
    for child in place.children:
        yield from demo_places(child)


def demo_assets(site=SITE):
    """Every demo asset of a school's site, in walking order."""
    for place in demo_places(site):
        yield from place.assets


def demo_codes(site=SITE) -> list[str]:
    places = list(demo_places(site))
    return [p.code for p in places] + [a.code for p in places for a in p.assets]
