"""The scheduled notices: what the worker writes when it looks, every minute, once each.

Rules (times are school-local, in SCHOOL_TIMEZONE, and worked out each day from the zone in
config, so a daylight-saving change moves them with the school's clocks):
- Your checks today (MORNING): at the morning time (settings.morning_time), each person on
  duty for a routine that has a check due or overdue today, for at least one asset, gets
  those routines. Nothing for someone with nothing to do, nothing while the school is closed.
- Not done yet (REMINDER): at a routine's reminder time, on a day it falls due, while the
  check of any asset it covers is still open: its people on duty. A routine naming nobody
  still reaches the chats that chose reminders.
- Overdue (OVERDUE): once per routine and due date, once a check of it is past its grace
  days and from the morning time on (nobody is told at midnight): the administrators, with
  the overdue assets and whose they were.
- Still overdue (OVERDUE_SUMMARY): at the morning time, once a day while anything is
  overdue: the administrators, routine by routine.
- The week in numbers (WEEK): Fridays at the week time (settings.week_time), unless the
  school is closed that day: the administrators, with this week's checks done, due and
  overdue, and its faults reported, repaired and still open unsafe.
- Nobody left to do it (NOBODY_ON_DUTY): a routine whose named people (stand-ins too) were
  all disabled: the administrators, once for that set of people.
- Late once, never skipped, never twice: each notice has a key naming its school day (or its
  due date, or its people), and a key once written is not written again. A time passed while
  the worker was stopped is written on its next run the same school day, never on a later
  day; an overdue check still is, as it is about the check, not the day.
A run that finds nothing new to write costs a fixed number of queries, however many routines,
assets and people there are.
"""

import hashlib
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from app import duties, settings, tenancy
from app.core.place_tree import natural_key
from app.extensions import db
from app.models import (
    OPEN_STATUSES,
    Asset,
    AssetStatus,
    Checklist,
    Fault,
    Membership,
    Notice,
    Reason,
    Role,
    Urgency,
    User,
)
from app.models.common import utcnow
from app.notices import writing
from app.routines import (
    RoutineState,
    active_checklists,
    in_the_week,
    routine_states,
    school_calendar,
)
from app.schedule import State, utc_bounds

FRIDAY = 4
# Facts keep a routine's first assets by name; the message counts the others.
KEPT_ASSETS = 20
KEY_LENGTH = Notice.key.type.length


def plan_due(now: datetime | None = None) -> int:
    """Write the scheduled notices due by `now` (naive UTC) and commit them; how many.

    A second worker writing the same notices at the same moment makes this commit fail on
    their keys: the run is then made again, and finds them written.
    """
    now = now or utcnow()
    try:
        written = _write_due(now)
        db.session.commit()
    except sa.exc.IntegrityError:
        db.session.rollback()
        written = _write_due(now)
        db.session.commit()
    return written


class _Plan:
    """The notices due now, each by its key, written only if the key is new."""

    def __init__(self):
        self.due: dict[str, tuple] = {}

    def add(self, key: str, reason: Reason, recipients, facts, checklist=None) -> None:
        self.due[_fitting(key)] = (reason, recipients, facts, checklist)

    def write(self) -> int:
        if not self.due:
            return 0
        written_before = set(
            db.session.scalars(sa.select(Notice.key).where(Notice.key.in_(list(self.due))))
        )
        written = 0
        for key, (reason, recipients, facts, checklist) in self.due.items():
            if key in written_before:
                continue
            notice = writing.write(
                reason,
                facts=facts() if callable(facts) else facts,
                recipients=recipients() if callable(recipients) else recipients,
                key=key,
                checklist=checklist,
            )
            written += notice is not None
        return written


def _write_due(now: datetime) -> int:
    zone = tenancy.school_timezone()
    local = now.replace(tzinfo=UTC).astimezone(ZoneInfo(zone))
    today, clock = local.date(), local.time()
    is_morning = clock >= settings.morning_time()
    school_open = not school_calendar().is_closed(today)

    checklists = active_checklists()
    duties_of = duties.duties_by_checklist()
    for checklist in checklists:
        set_committed_value(checklist, "duties", duties_of.get(checklist.id, []))
    by_routine: dict[int, list[RoutineState]] = defaultdict(list)
    for entry in routine_states(_assets_in_use(), today, checklists):
        by_routine[entry.checklist.id].append(entry)
    admins = _Admins()

    plan = _Plan()
    if is_morning and school_open:
        _plan_mornings(plan, checklists, by_routine, today)
    _plan_reminders(plan, checklists, by_routine, today, clock)
    if is_morning:
        _plan_overdue(plan, checklists, by_routine, today, admins)
    if today.weekday() == FRIDAY and clock >= settings.week_time() and school_open:
        _plan_week(plan, by_routine, today, zone, admins)
    _plan_nobody_on_duty(plan, checklists, admins)
    return plan.write()


def _assets_in_use():
    """Every asset not retired, as plain rows: routine_states reads their id and kind, the
    facts their names and code, and a whole school is thousands of them."""
    return db.session.execute(
        sa.select(Asset.id, Asset.kind_id, Asset.code, Asset.name, Asset.name_en).where(
            Asset.status != AssetStatus.RETIRED
        )
    ).all()


class _Admins:
    """The active administrators, looked up once and only when a notice is for them."""

    def __init__(self):
        self._people = None

    def __call__(self) -> list[User]:
        if self._people is None:
            self._people = list(
                db.session.scalars(
                    sa.select(User)
                    .join(User.membership)
                    .where(Membership.role == Role.ADMIN, User.active.is_(True))
                    .order_by(User.id)
                )
            )
        return self._people


def _named(thing) -> dict:
    return {"zh": thing.name, "en": thing.name_en or thing.name}


def _assets(entries: list[RoutineState]) -> list[dict]:
    ordered = sorted(entries, key=lambda e: (natural_key(e.asset.name), e.asset.id))
    return [
        {"name": _named(entry.asset), "code": entry.asset.code}
        for entry in ordered[:KEPT_ASSETS]
    ]


def _people(checklist: Checklist) -> list[str]:
    return [person.display_name for person in duties.on_duty(checklist)]


def _plan_mornings(plan, checklists, by_routine, today: date) -> None:
    routines_by_person: dict[int, tuple[User, list[dict]]] = {}
    for checklist in checklists:
        to_check = [e for e in by_routine[checklist.id] if e.is_due_now]
        if not to_check:
            continue
        routine = {
            "name": _named(checklist),
            "to_check": len(to_check),
            "overdue": sum(e.state == State.OVERDUE for e in to_check),
        }
        for person in duties.on_duty(checklist):
            routines_by_person.setdefault(person.id, (person, []))[1].append(routine)
    for person_id, (person, routines) in routines_by_person.items():
        plan.add(
            f"morning:{person_id}:{today.isoformat()}",
            Reason.MORNING,
            [person],
            {"date": today.isoformat(), "routines": routines},
        )


def _plan_reminders(plan, checklists, by_routine, today: date, clock) -> None:
    for checklist in checklists:
        if checklist.reminder_time is None or clock < checklist.reminder_time:
            continue
        open_checks = [
            e
            for e in by_routine[checklist.id]
            if e.occurrence.due_date == today and e.state == State.DUE
        ]
        if not open_checks:
            continue
        plan.add(
            f"reminder:{checklist.id}:{today.isoformat()}",
            Reason.REMINDER,
            duties.on_duty(checklist),
            {
                "routine": _named(checklist),
                "date": today.isoformat(),
                "open": len(open_checks),
                "assets": _assets(open_checks),
                "people": _people(checklist),
            },
            checklist,
        )


def _plan_overdue(plan, checklists, by_routine, today: date, admins) -> None:
    summary = []
    for checklist in checklists:
        overdue = [e for e in by_routine[checklist.id] if e.state == State.OVERDUE]
        if not overdue:
            continue
        due_date = overdue[0].occurrence.due_date
        plan.add(
            f"overdue:{checklist.id}:{due_date.isoformat()}",
            Reason.OVERDUE,
            admins,
            {
                "routine": _named(checklist),
                "due_date": due_date.isoformat(),
                "overdue": len(overdue),
                "assets": _assets(overdue),
                "people": _people(checklist),
            },
            checklist,
        )
        summary.append(
            {"name": _named(checklist), "overdue": len(overdue), "people": _people(checklist)}
        )
    if summary:
        plan.add(
            f"overdue_summary:{today.isoformat()}",
            Reason.OVERDUE_SUMMARY,
            admins,
            {"date": today.isoformat(), "routines": summary},
        )


def _plan_week(plan, by_routine, today: date, zone: str, admins) -> None:
    year, week, _weekday = today.isocalendar()
    monday = today - timedelta(days=today.weekday())
    checks = {State.DONE: 0, State.DUE: 0, State.OVERDUE: 0}
    for entry in in_the_week([e for entries in by_routine.values() for e in entries], today):
        checks[entry.state] += 1

    def facts() -> dict:
        return {
            "week": f"{year}-W{week:02d}",
            "checks": {state.value: count for state, count in checks.items()},
            "faults": _week_faults(monday, today, zone),
        }

    plan.add(f"week:{year}-W{week:02d}", Reason.WEEK, admins, facts)


def _week_faults(monday: date, today: date, zone: str) -> dict:
    start, end = utc_bounds(monday, today, zone)
    reported, repaired, unsafe_open = db.session.execute(
        sa.select(
            sa.func.count().filter(Fault.reported_at >= start, Fault.reported_at < end),
            sa.func.count().filter(Fault.repaired_at >= start, Fault.repaired_at < end),
            sa.func.count().filter(
                Fault.urgency == Urgency.UNSAFE, Fault.status.in_(OPEN_STATUSES)
            ),
        ).select_from(Fault)
    ).one()
    return {"reported": reported, "repaired": repaired, "unsafe_open": unsafe_open}


def _plan_nobody_on_duty(plan, checklists, admins) -> None:
    for checklist in checklists:
        if not duties.left_without_anyone(checklist):
            continue
        people = sorted(checklist.duties, key=lambda duty: duty.user_id)
        ids = ",".join(str(duty.user_id) for duty in people)
        plan.add(
            f"nobody_on_duty:{checklist.id}:{ids}",
            Reason.NOBODY_ON_DUTY,
            admins,
            {
                "routine": _named(checklist),
                "people": [duty.user.display_name for duty in people],
            },
            checklist,
        )


def _fitting(key: str) -> str:
    """The key as stored: one naming many people is shortened to a digest of its end."""
    if len(key) <= KEY_LENGTH:
        return key
    head = key[: KEY_LENGTH - 33]
    return f"{head}~{hashlib.sha256(key.encode()).hexdigest()[:32]}"
