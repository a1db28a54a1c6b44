"""District checklist templates: published by the district, adopted by its schools.

Rules:

- A template belongs to a district. Its items live in versions; a published version is never
  edited: a change publishes version N+1, items keeping their lineage when they are the same
  item reworded, so a school's readings stay one series across versions.
- A school adopts a template's version as a routine of its own: a Checklist for the template's
  kind of asset (the school's kind of that key, else of that Chinese name, else a new kind),
  with the template's schedule and a version 1 holding copies of the items. The routine then
  is the school's: it may rename it, change its schedule and add, edit or retire items on the
  checklists' pages.
- A school adopts a template once: its routine carries the key `adoption_key(template)`, and
  the checklists' unique (key, school) holds to one routine per template and school even when
  two admins (or a double tap) adopt at the same moment.
- A newer version is offered to each school running an older one, never forced. Taking it
  makes a new version of the school's routine: the template's new items, then the items the
  school added itself (those whose lineage no version of the template has), in their order.
  The template's items come back as the district words them, also one the school retired.
- Only schools of the template's district adopt it or take its versions; the district sees
  which school runs which version.
"""

from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so

from app import tenancy
from app.checklists.schedules import apply_schedule
from app.checklists.versions import (
    COMPARED_FIELDS,
    EDITABLE_FIELDS,
    copied_item,
    settled_item_fields,
)
from app.extensions import db
from app.models import (
    AssetKind,
    Checklist,
    ChecklistTemplate,
    ChecklistVersion,
    District,
    ItemType,
    School,
    TemplateItem,
    TemplateVersion,
    User,
)
from app.models.item import new_lineage
from app.schedule import Schedule


class AlreadyAdopted(Exception):
    """The school already runs a routine made from this template."""

    def __init__(self, routine: Checklist | None):
        super().__init__("already adopted")
        self.routine = routine


class NotNewer(Exception):
    """The routine already runs this version of the template, or a newer one."""


class NotInDistrict(LookupError):
    """The current school is not one of the template's district's schools."""


class NothingChanged(ValueError):
    """The items sent are the newest version's: there is nothing to publish."""


class StaleTemplate(Exception):
    """The district admin published from a page showing a version no longer the newest."""


@dataclass(frozen=True)
class TemplateItemDraft:
    """One item as a district admin sends it; `lineage` names the item it rewords, if any."""

    type: ItemType
    text: str
    text_en: str | None = None
    required: bool = True
    critical: bool = False
    unit: str | None = None
    min_value: float | None = None
    max_value: float | None = None
    lineage: str | None = None


def adoption_key(template: ChecklistTemplate) -> str:
    """The key of a school's routine made from this template (unique per school)."""
    return f"template:{template.id}"


def create_template(
    district: District,
    user: User | None,
    *,
    key: str | None = None,
    name: str,
    name_en: str | None,
    kind_key: str | None = None,
    kind_name: str,
    kind_name_en: str | None,
    schedule: Schedule,
    items: list[TemplateItemDraft],
) -> ChecklistTemplate:
    """A new template of the district, with its items published as version 1."""
    key = key or new_lineage()[:16]
    template = ChecklistTemplate(
        district=district,
        key=key,
        name=name,
        name_en=name_en or None,
        kind_key=kind_key or f"template-{key}",
        kind_name=kind_name,
        kind_name_en=kind_name_en or None,
    )
    apply_schedule(template, schedule)
    db.session.add(template)
    publish(template, user, 0, items)
    return template


def publish(
    template: ChecklistTemplate, user: User | None, based_on: int, items: list[TemplateItemDraft]
) -> TemplateVersion:
    """Version N+1 of the template with these items.

    based_on is the version the admin was looking at: a second tap, or another admin's
    version in between, raises StaleTemplate instead of publishing twice. A lineage the
    template never had is refused (ValueError), as are an empty list and items the
    checklists would refuse; the same items as the newest version publish nothing.
    """
    current = template.current_version
    current_number = current.number if current else 0
    if based_on != current_number:
        raise StaleTemplate(current_number)
    if not items:
        raise ValueError("a template needs at least one item")
    known = template_lineages(template) if current else set()
    lineages = [draft.lineage for draft in items if draft.lineage]
    if not set(lineages) <= known or len(set(lineages)) != len(lineages):
        raise ValueError("an item names a lineage this template does not have")
    new_items = [_template_item(draft, position) for position, draft in enumerate(items, 1)]
    if current and _same_items(current.items, new_items):
        raise NothingChanged(current_number)
    version = TemplateVersion(
        template=template, number=current_number + 1, published_by=user, items=new_items
    )
    db.session.add(version)
    return version


def _template_item(draft: TemplateItemDraft, position: int) -> TemplateItem:
    return TemplateItem(
        lineage=draft.lineage or new_lineage(),
        position=position,
        type=draft.type,
        **settled_item_fields(
            draft.type, **{name: getattr(draft, name) for name in EDITABLE_FIELDS}
        ),
    )


def _same_items(before: list[TemplateItem], after: list[TemplateItem]) -> bool:
    def shape(items):
        return [
            (item.lineage, *(getattr(item, name) for name in COMPARED_FIELDS)) for item in items
        ]

    return shape(before) == shape(after)


def template_lineages(template: ChecklistTemplate) -> set[str]:
    """Every item lineage any version of the template has had."""
    return set(
        db.session.scalars(
            sa.select(TemplateItem.lineage)
            .join(TemplateItem.version)
            .where(TemplateVersion.template_id == template.id)
        )
    )


def district_templates(district_id: int) -> list[ChecklistTemplate]:
    """The district's templates by name, with their versions and items."""
    return db.session.scalars(
        sa.select(ChecklistTemplate)
        .where(ChecklistTemplate.district_id == district_id)
        .options(so.selectinload(ChecklistTemplate.versions).selectinload(TemplateVersion.items))
        .order_by(ChecklistTemplate.name, ChecklistTemplate.id)
    ).all()


def template_of_school(template_id: int) -> ChecklistTemplate:
    """A template of the current school's district; NotInDistrict for any other."""
    school = tenancy.current_school()
    template = db.session.get(ChecklistTemplate, template_id)
    if template is None or school is None or school.district_id != template.district_id:
        raise NotInDistrict(template_id)
    return template


def adopted_routine(template: ChecklistTemplate) -> Checklist | None:
    """The current school's routine made from this template, if it adopted it."""
    return db.session.scalar(
        sa.select(Checklist)
        .where(Checklist.key == adoption_key(template))
        .options(so.joinedload(Checklist.template_version))
    )


def adopted_routines(templates: list[ChecklistTemplate]) -> dict[int, Checklist]:
    """The current school's routines made from these templates, by template id."""
    by_key = {adoption_key(template): template.id for template in templates}
    routines = db.session.scalars(
        sa.select(Checklist)
        .where(Checklist.key.in_(list(by_key)))
        .options(so.joinedload(Checklist.template_version))
    )
    return {by_key[routine.key]: routine for routine in routines}


def adopt(version: TemplateVersion, user: User | None) -> Checklist:
    """The current school's routine made from this template version (see the rules above).

    Raises AlreadyAdopted when the school has one; when two adoptions race past that check,
    the second one's commit fails on the checklists' unique (key, school).
    """
    template = version.template
    school = tenancy.current_school()
    if school is None or school.district_id != template.district_id:
        raise NotInDistrict(template.id)
    existing = adopted_routine(template)
    if existing is not None:
        raise AlreadyAdopted(existing)
    routine = Checklist(
        key=adoption_key(template),
        name=template.name,
        name_en=template.name_en,
        kind=_kind_for(template),
        template_version=version,
    )
    apply_schedule(routine, template.schedule)
    db.session.add(routine)
    db.session.add(
        ChecklistVersion(
            checklist=routine,
            number=1,
            created_by=user,
            items=[copied_item(item, position) for position, item in enumerate(version.items, 1)],
        )
    )
    return routine


def _kind_for(template: ChecklistTemplate) -> AssetKind:
    kinds = db.session.scalars(
        sa.select(AssetKind).where(
            sa.or_(AssetKind.key == template.kind_key, AssetKind.name == template.kind_name)
        )
    ).all()
    by_key = next((kind for kind in kinds if kind.key == template.kind_key), None)
    kind = by_key or next(iter(kinds), None)
    if kind is None:
        kind = AssetKind(
            key=template.kind_key, name=template.kind_name, name_en=template.kind_name_en
        )
        db.session.add(kind)
    return kind


def offered_version(routine: Checklist | None, template: ChecklistTemplate):
    """The template's newest version when the routine runs an older one, else None."""
    newest = template.current_version
    running = routine.template_version if routine is not None else None
    if newest is None or running is None or running.number >= newest.number:
        return None
    return newest


def take(routine: Checklist, version: TemplateVersion, user: User | None) -> ChecklistVersion:
    """A new version of the school's routine: the template version's items, then the
    school's own. NotNewer when the routine runs this version or a newer one already; two
    admins taking it at once collide on the versions' unique (checklist, number)."""
    running = routine.template_version
    if running is None or running.template_id != version.template_id:
        raise ValueError("the routine was not made from this template")
    if running.number >= version.number:
        raise NotNewer(running.number)
    current = routine.current_version
    districts = template_lineages(version.template)
    own = [item for item in current.items if item.lineage not in districts]
    items = [*version.items, *own]
    new_version = ChecklistVersion(
        checklist=routine,
        number=current.number + 1,
        created_by=user,
        items=[copied_item(item, position) for position, item in enumerate(items, 1)],
    )
    db.session.add(new_version)
    routine.template_version = version
    return new_version


@dataclass(frozen=True)
class VersionTable:
    """Which school runs which version of each of the district's templates."""

    schools: list[School]
    templates: list[ChecklistTemplate]
    # (school id, template id): the version number the school's routine runs.
    running: dict[tuple[int, int], int]

    def version(self, school: School, template: ChecklistTemplate) -> int | None:
        return self.running.get((school.id, template.id))

    def behind(self, template: ChecklistTemplate) -> list[School]:
        """The schools running an older version than the newest: each is offered it."""
        newest = template.current_version.number if template.current_version else 0
        return [
            school
            for school in self.schools
            if (number := self.version(school, template)) is not None and number < newest
        ]


def version_table(district: District, templates: list[ChecklistTemplate]) -> VersionTable:
    """Read across the district's schools, in one query."""
    schools = db.session.scalars(
        sa.select(School).where(School.district_id == district.id).order_by(School.code)
    ).all()
    with tenancy.in_schools([school.id for school in schools]):
        rows = db.session.execute(
            sa.select(Checklist.school_id, TemplateVersion.template_id, TemplateVersion.number)
            .join(Checklist.template_version)
            .where(TemplateVersion.template_id.in_([template.id for template in templates]))
        ).all()
    return VersionTable(
        schools=schools,
        templates=templates,
        running={(school_id, template_id): number for school_id, template_id, number in rows},
    )
