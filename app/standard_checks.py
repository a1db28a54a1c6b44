"""Checks the standards name, as plain data in Chinese with English beside: the routine visual
inspection of play equipment (GB/T 27689, EN 1176-7) and the canteen's gas appliances.

Shared by the demo's routines (app.demo.routines) and the district's seeded templates
(app.routine_templates.seeded), so both word these checks alike and neither area imports
the other.
"""

from typing import NamedTuple

from app.models import ItemType


class Item(NamedTuple):
    text: str
    text_en: str
    type: ItemType = ItemType.CHECK
    critical: bool = False
    required: bool = True
    unit: str | None = None
    min_value: float | None = None
    max_value: float | None = None


def check(text, text_en, critical=False):
    return Item(text, text_en, critical=critical)


# Playground: EN 1176-7 routine visual inspection, weekly on Monday as the plans ask.
LADDER = check("攀爬梯、踏步牢固，无松动、断裂", "Ladder and steps secure: none loose or broken",
               critical=True)
GUARD_RAILS = check("平台、护栏、挡板完好，无松动、缺失",
                    "Platform, guard rails and barriers intact: none loose or missing",
                    critical=True)
SLIDING_SURFACE = check("滑道表面光滑，无裂缝、破洞、尖锐边缘",
                        "Sliding surface smooth: no cracks, holes or sharp edges", critical=True)
BOLTS = check("螺栓、螺母齐全紧固，保护帽无缺失", "No loose or missing bolts, nuts or caps",
              critical=True)
CORROSION = check("金属无锈蚀，木材无腐朽、开裂", "No corrosion on metal, no rot or splits in wood")
FOUNDATIONS = check("地基未外露，立柱稳固", "Foundations not exposed; posts firm in the ground")
USE_ZONE = check("使用区内无玻璃、石块、垃圾等杂物", "No glass, stones or litter in the use zone")

PLAY_EQUIPMENT = (
    LADDER,
    GUARD_RAILS,
    SLIDING_SURFACE,
    check("连接处平整，无可能夹住手指的缝隙", "Joints flush: no gaps that could trap a finger"),
    BOLTS,
    CORROSION,
    FOUNDATIONS,
    check("下方及滑出区缓冲地面完好、厚度足够，无积水",
          "Surfacing underneath and at the run-out intact and deep enough; no standing water"),
    USE_ZONE,
)

GAS_APPLIANCES = (
    check("无燃气泄漏：闻无异味，接口涂肥皂水无气泡",
          "No gas leak: no smell, and soapy water on the joints shows no bubbles",
          critical=True),
    check("燃气软管无老化、龟裂，两端卡箍紧固，长度不超过 2 米",
          "Hose not perished or cracked, clamped at both ends, no longer than 2 m",
          critical=True),
    check("点火正常，火焰呈蓝色且稳定，熄火保护装置有效",
          "Lights properly with a steady blue flame; the flame-failure device works",
          critical=True),
    check("开关旋钮灵活，无松动、缺失", "Knobs turn freely; none loose or missing"),
    check("灶具清洁，周围无易燃物", "Clean; nothing flammable nearby"),
    check("排烟罩、排风扇工作正常，油网已清洗",
          "Extractor hood and fan work; grease filters cleaned"),
)
