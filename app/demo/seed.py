"""Load the demo kindergarten: add what is missing, leave everything already there alone.

Rows are matched by stable keys (kind key, username, the demo's fixed codes through every
code ever issued, a routine's key, an inspection's client id, a closed period's name), so a
re-seed neither duplicates nor undoes what someone changed in the demo: a renamed, moved or
relabelled asset stays as it is, and so does a checklist an admin edited. A demo person
without a mobile gets the demo's; a routine naming nobody gets the demo's people and
reminder time.
"""

import functools
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from app import routines as school_routines
from app.demo import history, kindergarten
from app.demo.kindergarten import demo_codes
from app.demo.routines import DUTIES, REMINDERS, ROUTINES
from app.duties import name_people
from app.extensions import db
from app.models import (
    Asset,
    AssetKind,
    Checklist,
    ChecklistItem,
    ChecklistVersion,
    ClosedPeriod,
    Place,
    ScanCode,
    User,
)
from app.models.code import issue_code


@dataclass
class SeedResult:
    added: Counter = field(default_factory=Counter)
    # Demo usernames that already existed with a password other than the demo's.
    kept_passwords: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added)


def seed_demo(today: date | None = None) -> SeedResult:
    """Load the demo; its history is planned back from `today`, the school's date by default."""
    today = today or school_routines.today()
    result = SeedResult()
    kinds = _kinds(result)
    issued = _issued()
    _place(kindergarten.SITE, None, 0, kinds, issued, result)
    _users(result)
    assets = demo_assets_by_code()
    _checklists(kinds, assets, result)
    _duties(result)
    _winter_holiday(today, result)
    history.record_history(today, assets, result)
    db.session.commit()
    return result


def _issued() -> dict[str, ScanCode]:
    return {
        scan_code.value: scan_code
        for scan_code in db.session.scalars(
            sa.select(ScanCode).where(ScanCode.value.in_(demo_codes()))
        )
    }


def demo_assets_by_code() -> dict[str, Asset]:
    """The demo's assets that still exist, by their demo code (whatever label they carry now)."""
    return {
        value: scan_code.asset
        for value, scan_code in _issued().items()
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


def _users(result):
    usernames = [username for username, _name, _role in kindergarten.USERS]
    existing = {
        user.username: user
        for user in db.session.scalars(sa.select(User).where(User.username.in_(usernames)))
    }
    demo_hash = None
    for username, display_name, role in kindergarten.USERS:
        user = existing.get(username)
        if user is None:
            # scrypt takes a third of a second by design; the demo password is public anyway,
            # so the demo users share one hash of it.
            demo_hash = demo_hash or generate_password_hash(kindergarten.DEMO_PASSWORD)
            user = User(
                username=username, display_name=display_name, role=role, password_hash=demo_hash
            )
            db.session.add(user)
            result.added["users"] += 1
        elif not _is_demo_password(user.password_hash):
            # Someone chose this password; the demo must not take their account away.
            result.kept_passwords.append(username)
        if user.mobile is None:
            user.mobile = kindergarten.MOBILES[username]


@functools.cache
def _is_demo_password(password_hash: str) -> bool:
    """Checked once per distinct hash: the demo users share one, and a re-seed checks it again."""
    return check_password_hash(password_hash, kindergarten.DEMO_PASSWORD)


def _checklists(kinds, assets, result):
    existing = set(
        db.session.scalars(
            sa.select(Checklist.key).where(Checklist.key.in_([r.key for r in ROUTINES]))
        )
    )
    for routine in ROUTINES:
        if routine.key in existing:
            continue
        asset = assets.get(routine.asset) if routine.asset else None
        if routine.asset and asset is None:
            continue  # its asset was deleted from the demo
        schedule = routine.schedule
        checklist = Checklist(
            key=routine.key,
            name=routine.name,
            name_en=routine.name_en,
            kind=None if asset else kinds[routine.kind],
            asset=asset,
            frequency=schedule.frequency,
            weekday=schedule.weekday,
            day_of_month=schedule.day_of_month,
            month=schedule.month,
            interval_days=schedule.interval_days,
            anchor_date=schedule.anchor_date,
            grace_days=schedule.grace_days,
        )
        version = ChecklistVersion(checklist=checklist, number=1)
        for position, item in enumerate(routine.items, start=1):
            version.items.append(ChecklistItem(position=position, **item._asdict()))
        db.session.add(checklist)
        result.added["checklists"] += 1


def _duties(result):
    """The demo's people on their routines, for each routine that names nobody."""
    people = {
        user.username: user
        for user in db.session.scalars(
            sa.select(User).where(User.username.in_([u for u, _n, _r in kindergarten.USERS]))
        )
    }
    for checklist in db.session.scalars(
        sa.select(Checklist).where(Checklist.key.in_(list(DUTIES)))
    ):
        if checklist.duties:
            continue
        name_people(checklist, [people[username] for username in DUTIES[checklist.key]], [])
        checklist.reminder_time = checklist.reminder_time or REMINDERS.get(checklist.key)
        result.added["duties"] += len(checklist.duties)


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
