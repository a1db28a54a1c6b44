"""Load the demo: add what is missing, leave everything already there alone.

seed_demo() loads the kindergarten into the deployment's first school; seed_district() (what
`flask seed-demo` and `flask demo` load) loads it and the district around it
(app.demo.district): the two smaller kindergartens, each built inside its own school
(tenancy.in_school), the contractor's jobs, the district and its people.

Rows are matched by stable keys (a school's or district's code, kind key, username, a
person's membership of a school, the demo's fixed codes through every code ever issued, a
routine's key, an inspection's client id, a closed period's name), so a re-seed neither
duplicates nor undoes what someone changed in the demo: a renamed, moved or relabelled asset
stays as it is, and so does a checklist an admin edited, a school renamed or a job moved on.
A demo person without a mobile gets the demo's; a routine naming nobody gets the demo's
people and reminder time. The first school takes the kindergarten's name only while it still
has SCHOOL_NAME's default.
"""

import functools
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from app import routines as school_routines
from app import tenancy
from app.config import DEFAULTS
from app.demo import district as demo_district
from app.demo import history, kindergarten
from app.demo.district import DemoSchool
from app.demo.kindergarten import DemoPerson
from app.demo.register import demo_codes
from app.duties import name_people
from app.extensions import db
from app.faults import lifecycle
from app.models import (
    OPEN_STATUSES,
    Asset,
    AssetKind,
    Checklist,
    ChecklistItem,
    ChecklistVersion,
    ClosedPeriod,
    District,
    DistrictMember,
    Fault,
    FaultStatus,
    Membership,
    Place,
    Role,
    ScanCode,
    School,
    User,
)
from app.models.code import issue_code
from app.routine_templates.seeded import seed_district_templates


@dataclass
class SeedResult:
    added: Counter = field(default_factory=Counter)
    # Demo usernames that already existed with a password other than the demo's.
    kept_passwords: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added)


@dataclass
class SchoolSeeded:
    """One school of the district as loaded: its row, its demo data and what was added."""

    school: School
    demo: DemoSchool
    result: SeedResult


@dataclass
class DistrictResult:
    district: District | None = None
    schools: list[SchoolSeeded] = field(default_factory=list)
    # The district's own: itself, its schools and people.
    added: Counter = field(default_factory=Counter)
    kept_passwords: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added) or any(seeded.result.changed for seeded in self.schools)


def first_school() -> School:
    """The deployment's first school (the oldest): the kindergarten's."""
    return db.session.scalar(sa.select(School).order_by(School.id).limit(1))


def seed_demo(today: date | None = None) -> SeedResult:
    """Load the kindergarten into the first school; its history is planned back from
    `today`, the school's date by default."""
    with tenancy.in_school(first_school()):
        result = _seed_school(demo_district.SUNSHINE, today)
        db.session.commit()
    return result


def seed_district(today: date | None = None) -> DistrictResult:
    """Load the demo district: the kindergarten, the two smaller ones, the district."""
    seeded = DistrictResult()
    district = seeded.district = _district(seeded)
    for demo in demo_district.SCHOOLS:
        school = _school(demo, district, seeded)
        with tenancy.in_school(school):
            result = _seed_school(demo, today)
            _jobs(demo, result)
            db.session.commit()
        seeded.schools.append(SchoolSeeded(school, demo, result))
    _district_people(district, seeded)
    seed_district_templates(district)
    db.session.commit()
    return seeded


def _seed_school(demo: DemoSchool, today: date | None) -> SeedResult:
    """One school's register, people, routines and history, in the current school."""
    story = demo.story
    today = today or school_routines.today()
    result = SeedResult()
    kinds = _kinds(result)
    issued = _issued(story.site)
    _place(story.site, None, 0, kinds, issued, result)
    _users(demo, result)
    assets = demo_assets_by_code(story.site)
    _checklists(kinds, assets, story.routines, result)
    _duties(demo, result)
    _winter_holiday(today, result)
    history.record_history(today, assets, result, story)
    return result


def _district(seeded: DistrictResult) -> District:
    district = db.session.scalar(
        sa.select(District).where(District.code == demo_district.DISTRICT_CODE)
    )
    if district is None:
        seeded.added["districts"] += 1
        district = District(
            code=demo_district.DISTRICT_CODE,
            name=demo_district.DISTRICT_NAME,
            name_en=demo_district.DISTRICT_NAME_EN,
        )
        db.session.add(district)
        db.session.flush()
    return district


def _school(demo: DemoSchool, district: District, seeded: DistrictResult) -> School:
    """The demo school's row, made in the district if missing. A school of the deployment
    already in another district stays there."""
    first = first_school()
    if demo.code is None:
        school = first
        if school.name == DEFAULTS["SCHOOL_NAME"]:
            school.name, school.name_en = demo.name, demo.name_en
    else:
        school = db.session.scalar(sa.select(School).where(School.code == demo.code))
        if school is None:
            # The smaller kindergartens keep the first school's clock and language.
            school = School(
                code=demo.code,
                name=demo.name,
                name_en=demo.name_en,
                timezone=first.timezone,
                language=first.language,
            )
            db.session.add(school)
            seeded.added["schools"] += 1
    if school.district_id is None:
        school.district = district
        seeded.added["schools_joined"] += 1
    db.session.flush()
    return school


def _issued(site=kindergarten.SITE) -> dict[str, ScanCode]:
    return {
        scan_code.value: scan_code
        for scan_code in db.session.scalars(
            sa.select(ScanCode).where(ScanCode.value.in_(demo_codes(site)))
        )
    }


def demo_assets_by_code(site=kindergarten.SITE) -> dict[str, Asset]:
    """The demo's assets that still exist in the current school, by their demo code (whatever
    label they carry now)."""
    return {
        value: scan_code.asset
        for value, scan_code in _issued(site).items()
        if scan_code.asset is not None
    }


def _kinds(result):
    existing = db.session.scalars(sa.select(AssetKind)).all()
    by_key = {kind.key: kind for kind in existing}
    by_name = {kind.name: kind for kind in existing}
    kinds = {}
    for key, name, name_en in kindergarten.KINDS:
        # A kind someone already made under the demo's Chinese name is the same kind.
        kind = by_key.get(key) or by_name.get(name)
        if kind is None:
            kind = AssetKind(key=key, name=name, name_en=name_en)
            db.session.add(kind)
            result.added["kinds"] += 1
        kinds[key] = kind
    return kinds


def _place(seed, parent, position, kinds, issued, result):
    scan_code = issued.get(seed.code)
    place = scan_code.place if scan_code is not None else None
    if place is None:
        place = Place(
            name=seed.name,
            name_en=seed.name_en,
            kind=seed.kind,
            parent=parent,
            position=position,
            notes=seed.notes,
            code="",
        )
        db.session.add(place)
        issue_code(place, seed.code)
        result.added["places"] += 1
    for item in seed.assets:
        if item.code not in issued:
            asset = Asset(
                name=item.name,
                name_en=item.name_en,
                kind=kinds[item.kind],
                place=place,
                asset_number=item.asset_number,
                status=item.status,
                notes=item.notes,
                code="",
            )
            db.session.add(asset)
            issue_code(asset, item.code)
            result.added["assets"] += 1
    for child_position, child in enumerate(seed.children, start=1):
        _place(child, place, child_position, kinds, issued, result)


def _users(demo: DemoSchool, result):
    """The school's demo people, each a member of the current school with the demo's role."""
    school_id = tenancy.current_school_id()
    for person in demo.users:
        user, added = _person(person, result)
        if added:
            user.role = person.role
            result.added["users"] += 1
        elif _membership_here(user) is None:
            db.session.add(Membership(user_id=user.id, school_id=school_id, role=person.role))
            result.added["memberships"] += 1
    db.session.flush()


def _person(person: DemoPerson, result) -> tuple[User, bool]:
    """The demo person, made with the demo password if missing; whether it was made."""
    user = db.session.scalar(sa.select(User).where(User.username == person.username))
    added = user is None
    if added:
        user = User(
            username=person.username,
            display_name=person.display_name,
            password_hash=_demo_hash(),
        )
        db.session.add(user)
    elif not _is_demo_password(user.password_hash):
        # Someone chose this password; the demo must not take their account away.
        result.kept_passwords.append(person.username)
    if user.mobile is None:
        user.mobile = person.mobile
    return user, added


def _membership_here(user: User) -> Membership | None:
    # In the current school, as the rest of the school's data is read.
    return db.session.scalar(sa.select(Membership).where(Membership.user_id == user.id))


@functools.cache
def _demo_hash() -> str:
    # scrypt takes a third of a second by design; the demo password is public anyway, so the
    # demo users share one hash of it.
    return generate_password_hash(kindergarten.DEMO_PASSWORD)


@functools.cache
def _is_demo_password(password_hash: str) -> bool:
    """Checked once per distinct hash: the demo users share one, and a re-seed checks it again."""
    return check_password_hash(password_hash, kindergarten.DEMO_PASSWORD)


def _checklists(kinds, assets, routines, result):
    existing = set(
        db.session.scalars(
            sa.select(Checklist.key).where(Checklist.key.in_([r.key for r in routines]))
        )
    )
    for routine in routines:
        if routine.key in existing:
            continue
        asset = assets.get(routine.asset) if routine.asset else None
        if routine.asset and asset is None:
            continue  # its asset was deleted from the demo
        checklist = Checklist(
            key=routine.key,
            name=routine.name,
            name_en=routine.name_en,
            kind=None if asset else kinds[routine.kind],
            asset=asset,
            schedule=routine.schedule,
        )
        version = ChecklistVersion(checklist=checklist, number=1)
        for position, item in enumerate(routine.items, start=1):
            version.items.append(ChecklistItem(position=position, **item._asdict()))
        db.session.add(checklist)
        result.added["checklists"] += 1


def _duties(demo: DemoSchool, result):
    """The demo's people on their routines, for each routine that names nobody."""
    duties = demo.story.duties
    people = {
        user.username: user
        for user in db.session.scalars(
            sa.select(User).where(User.username.in_([person.username for person in demo.users]))
        )
    }
    for checklist in db.session.scalars(
        sa.select(Checklist).where(Checklist.key.in_(list(duties)))
    ):
        if checklist.duties:
            continue
        name_people(checklist, [people[username] for username in duties[checklist.key]], [])
        checklist.reminder_time = checklist.reminder_time or demo.reminders.get(checklist.key)
        result.added["duties"] += len(checklist.duties)


def _jobs(demo: DemoSchool, result):
    """Each job's open fault assigned to its repairer by the school's admin, while nobody
    has it yet."""
    if not demo.jobs:
        return
    admin = next(person.username for person in demo.users if person.role == Role.ADMIN)
    people = {
        user.username: user
        for user in db.session.scalars(
            sa.select(User).where(User.username.in_([admin, *(u for _c, u in demo.jobs)]))
        )
    }
    db.session.flush()
    for code, username in demo.jobs:
        fault = db.session.scalar(
            sa.select(Fault)
            .join(Fault.asset)
            .where(Asset.code == code, Fault.status.in_(OPEN_STATUSES))
            .order_by(Fault.id)
            .limit(1)
        )
        if fault is None or fault.status != FaultStatus.REPORTED or fault.assigned_to_id:
            continue
        lifecycle.assign(fault, people[username], people[admin])
        result.added["jobs"] += 1


def _district_people(district: District, seeded: DistrictResult):
    """The district's office and admin, each a member of the district with the demo's role."""
    for person in demo_district.DISTRICT_PEOPLE:
        user, added = _person(person, seeded)
        if added:
            seeded.added["users"] += 1
            db.session.flush()
        member = db.session.scalar(
            sa.select(DistrictMember).where(
                DistrictMember.user_id == user.id, DistrictMember.district_id == district.id
            )
        )
        if member is None:
            db.session.add(DistrictMember(user=user, district=district, role=person.role))
            seeded.added["district_members"] += 1


def _winter_holiday(today, result):
    """The next winter holiday, so the calendar shows how holidays pause the routines."""
    name, (start_month, start_day), (end_month, end_day) = kindergarten.WINTER_HOLIDAY
    year = today.year if today < date(today.year, start_month, start_day) else today.year + 1
    title = f"{year} 年{name}"
    if db.session.scalar(sa.select(ClosedPeriod.id).where(ClosedPeriod.name == title)) is None:
        db.session.add(
            ClosedPeriod(
                name=title,
                start_date=date(year, start_month, start_day),
                end_date=date(year, end_month, end_day),
            )
        )
        result.added["closed_periods"] += 1
