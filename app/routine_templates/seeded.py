"""The district's two seeded templates, for the demo district: the weekly large-toy check of
the slide standard (GB/T 27689, routine visual inspection as EN 1176-7 has it) and the
canteen's weekly gas check. Their items are the demo kindergarten's (app.standard_checks),
so a school that adopts one asks what the kindergarten's own routine asks.
"""

from typing import NamedTuple

import sqlalchemy as sa

from app.extensions import db
from app.models import ChecklistTemplate, District, Frequency
from app.routine_templates.adoption import TemplateItemDraft, create_template
from app.schedule import Schedule
from app.standard_checks import GAS_APPLIANCES, PLAY_EQUIPMENT, Item

MONDAY, FRIDAY = 0, 4


class SeededTemplate(NamedTuple):
    key: str
    name: str
    name_en: str
    kind_key: str
    kind_name: str
    kind_name_en: str
    schedule: Schedule
    items: tuple[Item, ...]


SEEDED_TEMPLATES = (
    SeededTemplate(
        "large_toy_weekly",
        "大型玩具每周检查（GB/T 27689、EN 1176-7）",
        "Weekly large play equipment check (GB/T 27689, EN 1176-7)",
        "large_toy",
        "大型玩具",
        "Large play equipment",
        Schedule(Frequency.WEEKLY, weekday=MONDAY),
        PLAY_EQUIPMENT,
    ),
    # Friday: the kitchen stands empty over the weekend.
    SeededTemplate(
        "canteen_gas_weekly",
        "食堂煤气用具每周检查",
        "Canteen gas appliances: weekly check",
        "gas_appliance",
        "煤气用具",
        "Gas appliance",
        Schedule(Frequency.WEEKLY, weekday=FRIDAY),
        GAS_APPLIANCES,
    ),
)


def seed_district_templates(district: District) -> list[ChecklistTemplate]:
    """The district's seeded templates, each added with its version 1 unless the district
    already has a template of its key (that one is left as it is)."""
    existing = {
        template.key: template
        for template in db.session.scalars(
            sa.select(ChecklistTemplate).where(
                ChecklistTemplate.district_id == district.id,
                ChecklistTemplate.key.in_([seeded.key for seeded in SEEDED_TEMPLATES]),
            )
        )
    }
    templates = []
    for seeded in SEEDED_TEMPLATES:
        template = existing.get(seeded.key)
        if template is None:
            template = create_template(
                district,
                None,
                key=seeded.key,
                name=seeded.name,
                name_en=seeded.name_en,
                kind_key=seeded.kind_key,
                kind_name=seeded.kind_name,
                kind_name_en=seeded.kind_name_en,
                schedule=seeded.schedule,
                items=[TemplateItemDraft(**item._asdict()) for item in seeded.items],
            )
        templates.append(template)
    return templates
