"""The demo kindergarten as plain data, in the words of the seed logistics plans.

阳光幼儿园 is the kindergarten of the first plan: its weekly Monday check of large toys and
sports equipment, the monthly fan servicing, the canteen's weekly gas check, the gate's
daily check and end-of-day round, the crack readings and safety nets. Places are listed in
walking order. Its people are the plan's: the logistics head, a safety inspector, the
repairer, the gatekeeper and a canteen worker (who does which routine: routines.DUTIES).

The codes are fixed so that demo labels, once printed, keep working after a re-seed. A room's
usual fittings (fans, air conditioner, lighting, doors and windows, beds, computers) are
listed by code and take their names from the room (app.demo.register.place).
Asset kinds are matched by key: later checklists attach to these keys.
"""

from typing import NamedTuple

from app.demo.register import (
    DemoAsset,
    air_conditioner,
    beds,
    canteen_doors_windows,
    ceiling_fan,
    computer,
    doors_windows,
    floor_fan,
    lighting,
    place,
    railing_net,
    stairs,
    wall_fan,
)
from app.models import AssetStatus, DistrictRole, PlaceKind, Role

DEMO_PASSWORD = "demo"


class DemoPerson(NamedTuple):
    username: str
    display_name: str
    role: Role | DistrictRole
    mobile: str  # made up: a chat notice names its people by their mobiles


USERS = (
    DemoPerson("admin", "王丽（总务主任）", Role.ADMIN, "13800000001"),
    DemoPerson("inspector", "张师傅（安全员）", Role.INSPECTOR, "13800000002"),
    DemoPerson("repairer", "刘师傅（维修工）", Role.REPAIRER, "13800000003"),
    DemoPerson("gatekeeper", "李师傅（门卫）", Role.INSPECTOR, "13800000004"),
    DemoPerson("canteen", "陈阿姨（食堂）", Role.INSPECTOR, "13800000005"),
)

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



SITE = place(
    "2ECD5Z", "阳光幼儿园", "Sunshine Kindergarten", PlaceKind.SITE,
    "六个班，约 170 名幼儿；本学期迎接省级评估。",
    children=(
        place(
            "2QRV4A", "门卫室", "Gatehouse", PlaceKind.BUILDING,
            "门卫坚守岗位，按时关锁大门；来访者登记与询问；"
            "每天下班前检查电器、电源、门窗。",
            assets=(
                DemoAsset("2TFC64", "door_window", "大门电动伸缩门", "Electric sliding main gate",
                          "YJ-2015-0008", "放学后按时关锁。"),
                DemoAsset("37Y6D4", "electrical", "门卫室配电箱", "Gatehouse distribution box",
                          notes="下班前检查电源。"),
                lighting("3GR2WQ"),
                wall_fan("3QSWFX", "YJ-2017-0031"),
                doors_windows("3RHJHX"),
            ),
        ),
        place(
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
        place(
            "63J2MX", "沙池", "Sand pit", PlaceKind.AREA,
            "门卫每天放学后整理沙池玩具，定期清洗。",
            assets=(
                DemoAsset("7DNSDZ", "sand_pit_toys", "沙池玩具（铲、桶、模具）",
                          "Sand pit toys (spades, buckets, moulds)", "YJ-2021-0210",
                          "一套约 40 件。"),
            ),
        ),
        place(
            "7DSVWS", "教学楼", "Teaching building", PlaceKind.BUILDING,
            "三层：一楼小班，二楼中班，三楼大班和音乐室。",
            assets=(
                DemoAsset("7HWBME", "building_crack", "教学楼西山墙裂缝 2号观测点",
                          "Teaching building west wall crack, point 2",
                          notes="2019 年发现，宽约 0.2 mm；每月读数。"),
            ),
            children=(
                place(
                    "7MZGPH", "一楼大厅", "Entrance hall", PlaceKind.AREA, short_name="大厅",
                    assets=(
                        lighting("7Y8JPK"),
                        DemoAsset("89JD6T", "air_conditioner", "大厅柜式空调",
                                  "Entrance hall floor-standing air conditioner", "YJ-2020-0101"),
                    ),
                ),
                place(
                    "8BMPKT", "小一班", "Junior Class 1", PlaceKind.ROOM, "28 名幼儿。",
                    assets=(
                        ceiling_fan("8DDU6P", "YJ-2017-0001"),
                        ceiling_fan("8EBFQG", "YJ-2017-0002"),
                        air_conditioner("96CGBF", "YJ-2020-0102"),
                        lighting("9EF8XK"),
                        doors_windows("9HC3NX"),
                        beds("A3RPWP", "YJ-2015-0201", "28 张。"),
                        # Things that move between rooms: what a stocktake finds missing or
                        # in the wrong room.
                        DemoAsset("A5KEYB", "electrical", "小一班电子琴",
                                  "Junior Class 1 electronic keyboard", "YJ-2021-0301",
                                  "音乐课常借到音乐室，借用须登记。"),
                    ),
                ),
                place(
                    "A8J5TB", "小二班", "Junior Class 2", PlaceKind.ROOM, "27 名幼儿。",
                    assets=(
                        ceiling_fan("A9NSW4", "YJ-2017-0003"),
                        ceiling_fan("AHF93R", "YJ-2017-0004"),
                        air_conditioner("AS9JB7", "YJ-2020-0103"),
                        lighting("B4S4ND"),
                        doors_windows("B5VNZR"),
                        beds("B8HS7G", "YJ-2015-0202", "27 张。"),
                        DemoAsset("B9UVMP", "electrical", "小二班移动紫外线消毒灯",
                                  "Junior Class 2 mobile UV disinfection lamp", "YJ-2019-0302",
                                  "带轮，可推到各班使用。"),
                    ),
                ),
                place(
                    "BAJ8C4", "一楼走廊", "Ground-floor corridor", PlaceKind.AREA,
                    assets=(lighting("BDHH3J"),),
                ),
                stairs(
                    "BXHRNH", "东楼梯", "East stairs", "BZGMKR", "C3Y3BV",
                    DemoAsset("CHACG7", "building_crack", "东楼梯间墙体裂缝 1号观测点",
                              "East stairwell wall crack, point 1",
                              notes="二楼平台处，宽约 0.15 mm；每月读数。"),
                ),
                place(
                    "CQHW8X", "中一班", "Middle Class 1", PlaceKind.ROOM, "30 名幼儿。",
                    assets=(
                        ceiling_fan("D8CUAV", "YJ-2017-0005"),
                        ceiling_fan("D94745", "YJ-2017-0006"),
                        air_conditioner("DA9H8V", "YJ-2020-0104"),
                        lighting("DAUY4M"),
                        doors_windows("DQPEW5"),
                        beds("DZBAKQ", "YJ-2015-0203", "30 张。"),
                    ),
                ),
                place(
                    "E23XKT", "中二班", "Middle Class 2", PlaceKind.ROOM, "29 名幼儿。",
                    assets=(
                        ceiling_fan("E6AUQX", "YJ-2017-0007"),
                        ceiling_fan("EDRPGU", "YJ-2017-0008", "调速器损坏，已报修，暂停使用。",
                                    AssetStatus.OUT_OF_SERVICE),
                        air_conditioner("EHEHCX", "YJ-2020-0105"),
                        lighting("EMR35V"),
                        doors_windows("ESMX96"),
                        beds("ET392Z", "YJ-2015-0204", "29 张，其中 2 张待修。"),
                    ),
                ),
                place(
                    "EUS6G6", "二楼走廊", "Second-floor corridor", PlaceKind.AREA,
                    assets=(lighting("EZBXU5"), railing_net("F877VX")),
                ),
                place(
                    "FFZMJX", "大一班", "Senior Class 1", PlaceKind.ROOM, "28 名幼儿。",
                    assets=(
                        ceiling_fan("GJMSCT", "YJ-2017-0009"),
                        ceiling_fan("H45DX3", "YJ-2017-0010"),
                        air_conditioner("H8EM74", "YJ-2020-0106"),
                        lighting("HS44RF"),
                        doors_windows("J27DWW"),
                        beds("J3QXT3", "YJ-2015-0205", "28 张。"),
                    ),
                ),
                place(
                    "J9CCNX", "大二班", "Senior Class 2", PlaceKind.ROOM, "28 名幼儿。",
                    assets=(
                        ceiling_fan("JCN2M6", "YJ-2017-0011"),
                        ceiling_fan("JRYUW6", "YJ-2017-0012"),
                        air_conditioner("JSECEC", "YJ-2020-0107"),
                        lighting("JX24UM"),
                        doors_windows("K24GW5"),
                        beds("K47UC4", "YJ-2015-0206", "28 张。"),
                    ),
                ),
                place(
                    "K5T3V2", "音乐室", "Music room", PlaceKind.ROOM,
                    "省级评估前整理好窗帘、地柜门。",
                    assets=(
                        ceiling_fan("K7FTTZ", "YJ-2017-0013"),
                        air_conditioner("KGWQPY", "YJ-2020-0108"),
                        lighting("KHXVCV"),
                        DemoAsset("KNEY3V", "door_window", "音乐室门窗及窗帘",
                                  "Music room doors, windows and curtains"),
                        DemoAsset("KZ9AHE", "furniture", "音乐室地柜", "Music room floor cabinets",
                                  "YJ-2016-0230", "柜门合页松动，待整理。"),
                    ),
                ),
                place(
                    "M3N3YP", "三楼走廊", "Third-floor corridor", PlaceKind.AREA,
                    assets=(lighting("M6N6N5"), railing_net("MNAAB6")),
                ),
                stairs("MQNVSZ", "西楼梯", "West stairs", "MZ9HXK", "N5JJ9U"),
            ),
        ),
        place(
            "NM7TR4", "综合楼", "Administration building", PlaceKind.BUILDING,
            "又称行政楼：办公室、体育用品房和库房。",
            assets=(
                DemoAsset("NN3YUB", "building_crack", "综合楼北墙裂缝 3号观测点",
                          "Administration building north wall crack, point 3",
                          notes="宽约 0.1 mm，近两年无变化；每月读数。"),
            ),
            children=(
                place(
                    "NQHWQA", "园长办公室", "Principal's office", PlaceKind.ROOM,
                    assets=(
                        floor_fan("P4M8GB", "YJ-2018-0301"),
                        air_conditioner("PTF89V", "YJ-2020-0109"),
                        lighting("PVYTQG"),
                        computer("PX2R4D", "YJ-2021-0401"),
                    ),
                ),
                place(
                    "Q4Y64S", "后勤办公室（总务处）", "Logistics office", PlaceKind.ROOM,
                    "报修单送到这里；维修完毕，由报修人验收签字。", short_name="后勤办公室",
                    assets=(
                        floor_fan("R23644", "YJ-2018-0302"),
                        air_conditioner("R4H93S", "YJ-2020-0110"),
                        lighting("R5CEBQ"),
                        computer("RAPNHS", "YJ-2021-0402"),
                    ),
                ),
                place(
                    "RDFN5B", "财务室", "Finance office", PlaceKind.ROOM,
                    assets=(
                        floor_fan("RKGYJS", "YJ-2018-0303"),
                        air_conditioner("RMCPW3", "YJ-2020-0111"),
                        lighting("RSB5VB"),
                        computer("RSVT56", "YJ-2021-0403", "财务软件专用，升级杀毒前先备份。"),
                    ),
                ),
                place(
                    "RX3XNG", "教师办公室", "Teachers' office", PlaceKind.ROOM,
                    "放假前检查办公电脑及电源是否关闭。",
                    assets=(
                        ceiling_fan("S5KDRC", "YJ-2017-0014"),
                        ceiling_fan("SEKACX", "YJ-2017-0015"),
                        air_conditioner("SFGJHE", "YJ-2020-0112"),
                        lighting("SJ9WYG"),
                        computer("SRFH9D", "YJ-2019-0404"),
                        computer("SVDRJ3", "YJ-2019-0405"),
                    ),
                ),
                place(
                    "T263PH", "综合楼走廊", "Administration corridor", PlaceKind.AREA,
                    assets=(lighting("T7GT25"),),
                ),
                place(
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
                place(
                    "UY2RN7", "库房", "Storeroom", PlaceKind.ROOM,
                    "每月固定资产对帐和盘存；学期结束前清查班级物品和库房盘点。",
                    assets=(
                        DemoAsset("UZ4X3E", "door_window", "库房门窗", "Storeroom door and windows",
                                  notes="钥匙由后勤办公室统一保管。"),
                    ),
                ),
            ),
        ),
        place(
            "V3HT3W", "食堂", "Canteen", PlaceKind.BUILDING,
            "食堂重地，严禁非工作人员入内；人离门锁。",
            children=(
                place(
                    "V5FKTT", "食堂操作间", "Canteen kitchen", PlaceKind.ROOM,
                    "每天餐用具消毒、食物验收、幼儿用餐留样并登记。", short_name="操作间",
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
                        canteen_doors_windows("WBK32U"),
                    ),
                ),
                place(
                    "WSENAZ", "餐厅", "Dining room", PlaceKind.ROOM,
                    "晚托班也在这里。",
                    assets=(
                        ceiling_fan("X7BH9Z", "YJ-2017-0016"),
                        lighting("XWUBJS"),
                        canteen_doors_windows("YWS3HZ"),
                    ),
                ),
            ),
        ),
        place(
            "Z64M8V", "停车场", "Parking area", PlaceKind.AREA,
            assets=(
                DemoAsset("Z6ZH4R", "school_bus", "校车", "School bus", "YJ-2018-0001",
                          "19 座幼儿专用校车，车牌苏A·D3286；司机负责保养与行车安全。"),
            ),
        ),
    ),
)
