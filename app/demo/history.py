"""The demo's past: a few weeks of signed inspections, planned from the day it is seeded on.

plan_history() is a pure function of the school day, so the demo is always fresh:
- Each routine has its checks of the last four weeks on every demo asset it covers, and at
  least its last three (a year of monthly crack readings, to draw a trend).
- A check is done on its due date, or on the first school day after it (a monthly check due
  on a Sunday is done on Monday), and only on days before today: today's checks are left to do.
- This week's Monday playground check is left to do: the demo's story starts there. On a
  Monday it is due; later in the week it shows as overdue.
- Exactly one other check is overdue: the east stairwell's safety net missed its monthly
  check; in the week that check is still within its days of grace, the east stairwell's crack
  reading missed this month's instead.
- Everything passes but a few planned failures, each raising a fault; one of them is why
  中二班吊扇 2号 is out of service.

A school's Story holds what its history is made of: its register, routines and people, the
checks left to do, the planned failures and crack readings. STORY is the kindergarten's (the
rules above); the district's two smaller kindergartens tell their own (app.demo.district).

record_history() writes the plan, each check signed by the first of its routine's people
(routines.DUTIES), or by the school's inspector where it names nobody. Each inspection's
client id is made from its asset, routine and day, so a re-seed adds only what is missing;
history is only added to a routine as it was seeded (version 1), never to one an admin has
since edited.
"""

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlalchemy.orm as so

from app import tenancy
from app.demo import kindergarten
from app.demo.register import DemoPlace, demo_assets
from app.demo.routines import (
    CANTEEN_RODENT_GUARD,
    CRACK_WIDTH,
    DISHES_SAMPLED,
    DISINFECTION_MINUTES,
    DISINFECTION_TEMPERATURE,
    DUTIES,
    FAN_WIRING,
    FIRST_AID_KIT,
    LIGHTS_ON,
    ODOMETER,
    PLAYGROUND_ROUTINES,
    ROUTINES,
    SAMPLE_FRIDGE_TEMPERATURE,
    Item,
    Routine,
)
from app.extensions import db
from app.faults.raising import raise_fault
from app.models import (
    Answer,
    Asset,
    AssetStatus,
    Checklist,
    ChecklistVersion,
    Fault,
    Inspection,
    ItemType,
    Outcome,
    Signature,
    Urgency,
    User,
)
from app.routines import applies_to, school_calendar
from app.schedule import LOOKBACK_DAYS, SCHOOL_DAYS, Calendar, occurrence
from app.standard_checks import SLIDING_SURFACE

HISTORY_DAYS = 28
MIN_OCCURRENCES = 3
OCCURRENCES = {"building_crack_monthly": 12}
INSPECTOR = "inspector"

MORNING = time(7, 40)
MINUTES_APART = 4  # walking from one asset to the next
START_TIMES = {
    "school_bus_weekly": time(6, 50),  # before the morning run
    "canteen_daily_log": time(12, 40),  # after lunch
    "gate_daily": time(7, 20),  # before the children arrive
    "canteen_closing_daily": time(16, 50),
    "gate_closing_daily": time(17, 30),
}

# In order of preference: the first whose latest check is past its days of grace.
OVERDUE_CANDIDATES = (("C3Y3BV", "safety_net_monthly"), ("CHACG7", "building_crack_monthly"))


class Failure(NamedTuple):
    asset: str
    routine: str
    occurrence: int  # 0 is the latest check done, 1 the one before...
    item: Item
    note: str


FAILURES = (
    Failure("EDRPGU", "fan_monthly", 0, FAN_WIRING,
            "调速器损坏：开到一档也高速运转，有焦味。已断电，暂停使用，等待更换调速器。"),
    Failure("EZBXU5", "lighting_weekly", 1, LIGHTS_ON, "东头一支灯管闪烁，需更换。"),
    Failure("Z6ZH4R", "school_bus_weekly", 2, FIRST_AID_KIT, "碘伏已用完，创可贴只剩 3 片。"),
    Failure("WBK32U", "canteen_door_window_weekly", 1, CANTEEN_RODENT_GUARD,
            "挡鼠板一角翘起，门下缝隙约 1 厘米。"),
)
NOT_APPLICABLE = {("play_large_toy_weekly", SLIDING_SURFACE)}

# Crack widths in hundredths of a mm: (now, months per hundredth it widened, when first read,
# and how much the latest reading jumped over the one before). The west wall's crack jumped
# 0.07 mm in its latest month, 23 % of its 0.3 mm limit: the dashboard flags it as rising fast.
CRACK_TRENDS = {
    "7HWBME": (25, 2, 13, 7),
    "CHACG7": (17, 3, 14, 0),
    "NN3YUB": (10, 0, 10, 0),
}
ODOMETER_SINCE, ODOMETER_START, KM_PER_DAY = date(2024, 1, 1), 38_000, 21
MENUS = (
    "米饭、番茄炒蛋、清炒菠菜、紫菜蛋花汤",
    "杂粮饭、土豆烧鸡块、蒜蓉西兰花、冬瓜汤",
    "小米饭、肉末豆腐、炒青菜、萝卜排骨汤",
    "青菜肉丝面、卤鸡蛋、水果（香蕉）",
    "米饭、清蒸鱼块、胡萝卜炒木耳、玉米汤",
)


class Story(NamedTuple):
    """What one school's history is made of."""

    site: DemoPlace
    routines: tuple[Routine, ...]
    duties: dict[str, tuple[str, ...]]  # routine key: the usernames of its people
    inspector: str  # who signs the checks of a routine that names nobody
    failures: tuple[Failure, ...]
    # In order of preference: the first whose latest check is past its days of grace.
    overdue_candidates: tuple[tuple[str, str], ...]
    # Routines whose check due today (or earlier this week) is left to do.
    left_to_do: tuple[str, ...]
    crack_trends: dict[str, tuple[int, int, int, int]]


STORY = Story(
    kindergarten.SITE, ROUTINES, DUTIES, INSPECTOR, FAILURES, OVERDUE_CANDIDATES,
    PLAYGROUND_ROUTINES, CRACK_TRENDS,
)


class PlannedAnswer(NamedTuple):
    item: Item
    outcome: Outcome | None = None
    reading: float | None = None
    text: str = ""
    note: str = ""

    @property
    def failed(self) -> bool:
        out_of_range = self.reading is not None and not _in_range(self.item, self.reading)
        return self.outcome == Outcome.FAIL or out_of_range


class PlannedInspection(NamedTuple):
    asset: str  # the demo code
    routine: str  # the routine's key
    day: date  # school-local
    at: time  # school-local
    answers: tuple[PlannedAnswer, ...]

    @property
    def client_id(self) -> str:
        return f"demo-{self.asset}-{self.routine}-{self.day.isoformat()}"

    @property
    def passed(self) -> bool:
        return not any(answer.failed for answer in self.answers)


def plan_history(
    today: date, school: Calendar | None = None, story: Story = STORY
) -> list[PlannedInspection]:
    """Every past inspection the demo shows on this school day; see the module's rules."""
    school = school or Calendar()
    overdue = overdue_check(today, school, story)
    planned = []
    for routine in story.routines:
        current = occurrence(routine.schedule, today, school).due_date
        done = [
            (due, day)
            for due in _due_dates(routine, today, school)
            if (day := _day_done(due, today, school)) is not None
        ]
        for order, code in enumerate(_covered(routine, story.site)):
            start = _minutes(START_TIMES.get(routine.key, MORNING)) + order * MINUTES_APART
            at = time(*divmod(start, 60))
            for index, (due, day) in enumerate(done):
                if due == current and (
                    routine.key in story.left_to_do or (code, routine.key) == overdue
                ):
                    continue
                answers = tuple(
                    _answer(story, routine, item, code, day, index) for item in routine.items
                )
                planned.append(PlannedInspection(code, routine.key, day, at, answers))
    return planned


def overdue_check(
    today: date, school: Calendar, story: Story = STORY
) -> tuple[str, str] | None:
    """The (asset code, routine key) left overdue on this day."""
    for code, key in story.overdue_candidates:
        schedule = next(r.schedule for r in story.routines if r.key == key)
        now = occurrence(schedule, today, school)
        if now.due_date is not None and not now.paused and (
            today > now.due_date + timedelta(days=schedule.grace_days)
        ):
            return code, key
    return None


def _due_dates(routine: Routine, today: date, school: Calendar) -> list[date]:
    """The routine's due dates before today, latest first."""
    wanted = OCCURRENCES.get(routine.key, MIN_OCCURRENCES)
    window_start = today - timedelta(days=HISTORY_DAYS)
    found = []
    for back in range(1, LOOKBACK_DAYS):
        day = today - timedelta(days=back)
        if day < window_start and len(found) >= wanted:
            break
        if routine.schedule.falls_on(day) and not school.is_closed(day):
            found.append(day)
    return found


def _day_done(due: date, today: date, school: Calendar) -> date | None:
    day = due
    while day.weekday() not in SCHOOL_DAYS or school.is_closed(day):
        day += timedelta(days=1)
    return day if day < today else None


def _covered(routine: Routine, site: DemoPlace) -> list[str]:
    if routine.asset is not None:
        return [routine.asset]
    return [asset.code for asset in demo_assets(site) if asset.kind == routine.kind]


def _answer(
    story: Story, routine: Routine, item: Item, code: str, day: date, index: int
) -> PlannedAnswer:
    for failure in story.failures:
        if (failure.asset, failure.routine, failure.occurrence, failure.item) == (
            code, routine.key, index, item
        ):
            return PlannedAnswer(item, Outcome.FAIL, note=failure.note)
    match item.type:
        case ItemType.CHECK:
            if (routine.key, item) in NOT_APPLICABLE:
                return PlannedAnswer(item, Outcome.NOT_APPLICABLE)
            return PlannedAnswer(item, Outcome.PASS)
        case ItemType.READING:
            return PlannedAnswer(item, reading=_reading(story, item, code, day, index))
        case ItemType.TEXT if item == DISHES_SAMPLED:
            return PlannedAnswer(item, text=MENUS[day.weekday() % len(MENUS)])
    return PlannedAnswer(item)  # an optional note or photo, left empty


def _reading(story: Story, item: Item, code: str, day: date, index: int) -> float:
    if item == CRACK_WIDTH:
        now, months_per_step, first, jump = story.crack_trends.get(code, (10, 0, 10, 0))
        if index == 0:
            return now / 100
        before = index - 1 if jump else index
        widened = before // months_per_step if months_per_step else 0
        return max(first, now - jump - widened) / 100
    if item == DISINFECTION_TEMPERATURE:
        return 121 + day.toordinal() % 7
    if item == DISINFECTION_MINUTES:
        return 15 + 5 * (day.toordinal() % 2)
    if item == SAMPLE_FRIDGE_TEMPERATURE:
        return 2 + day.toordinal() % 9 / 2
    if item == ODOMETER:
        return ODOMETER_START + (day - ODOMETER_SINCE).days * KM_PER_DAY
    raise ValueError(f"no demo reading for {item.text}")


def _in_range(item: Item, value: float) -> bool:
    return (item.min_value is None or value >= item.min_value) and (
        item.max_value is None or value <= item.max_value
    )


def _minutes(moment: time) -> int:
    return moment.hour * 60 + moment.minute


def record_history(today: date, assets_by_code: dict, result, story: Story = STORY) -> None:
    """Add the planned inspections not yet recorded, with their signatures and faults."""
    signers = {
        user.username: user
        for user in db.session.scalars(
            sa.select(User).where(
                User.username.in_(
                    {story.inspector, *(p for ps in story.duties.values() for p in ps)}
                )
            )
        )
    }
    checklists = {
        checklist.key: checklist
        for checklist in db.session.scalars(
            sa.select(Checklist)
            .where(Checklist.key.in_([routine.key for routine in story.routines]))
            .options(so.selectinload(Checklist.versions).selectinload(ChecklistVersion.items))
        )
    }
    asset_ids = [asset.id for asset in assets_by_code.values()]
    recorded = set(
        db.session.scalars(sa.select(Inspection.client_id).where(
            Inspection.client_id.like("demo-%")
        ))
    )
    # A check someone did by hand on a day counts: the demo does not add a second one.
    done_on = {
        tuple(row)
        for row in db.session.execute(
            sa.select(Inspection.asset_id, Inspection.checklist_id, Inspection.local_date).where(
                Inspection.asset_id.in_(asset_ids)
            )
        )
    }
    reported = {
        tuple(row)
        for row in db.session.execute(
            sa.select(Fault.asset_id, Fault.description).where(Fault.asset_id.in_(asset_ids))
        )
    }
    timezone = ZoneInfo(tenancy.school_timezone())
    _in_use_since_history(today, assets_by_code, checklists, timezone, story)

    missing = []
    for planned in plan_history(today, school_calendar(), story):
        asset = assets_by_code.get(planned.asset)
        checklist = checklists.get(planned.routine)
        if (
            planned.client_id in recorded
            or asset is None
            or checklist is None
            or asset.status == AssetStatus.RETIRED
            or not applies_to(checklist, asset)
            or (asset.id, checklist.id, planned.day) in done_on
        ):
            continue
        version = checklist.current_version
        if version is None or version.number != 1 or len(version.items) != len(planned.answers):
            continue
        at = datetime.combine(planned.day, planned.at, tzinfo=timezone)
        missing.append(Recording(planned, asset, checklist, version, _naive_utc(at)))
    if not missing:
        return

    def signer(recording: Recording) -> User:
        people = story.duties.get(recording.planned.routine, (story.inspector,))
        return signers.get(people[0], signers[story.inspector])

    inspection_ids = _insert(missing, signer)
    result.added["inspections"] += len(missing)
    for recording, inspection_id in zip(missing, inspection_ids, strict=True):
        for item, answer in recording.failures():
            description = f"{item.text} — {answer.note}"
            asset = recording.asset
            if (asset.id, description) not in reported:
                reported.add((asset.id, description))
                inspection = db.session.get(Inspection, inspection_id)
                _raise(asset, description, inspection, item, signer(recording))
                result.added["faults"] += 1


def _in_use_since_history(today, assets_by_code, checklists, timezone, story) -> None:
    """Date the register and the routines back to the first due date of their history.

    Completion over a period counts an asset and a routine only from the day they were made;
    seeded today, the demo's weeks of history would count for nothing.
    """
    school = school_calendar()
    for routine in story.routines:
        checklist = checklists.get(routine.key)
        due_dates = _due_dates(routine, today, school)
        if checklist is None or not due_dates:
            continue
        since = _naive_utc(datetime.combine(min(due_dates), time(), tzinfo=timezone))
        covered = [
            assets_by_code[code] for code in _covered(routine, story.site) if code in assets_by_code
        ]
        for row in (checklist, *covered):
            row.created_at = min(row.created_at, since)


class Recording(NamedTuple):
    """A planned inspection about to be recorded, with the rows it is recorded against."""

    planned: PlannedInspection
    asset: Asset
    checklist: Checklist
    version: ChecklistVersion
    submitted_at: datetime  # naive UTC, as stored

    def answers(self):
        """Each checklist item with its planned answer, in the checklist's order."""
        return zip(self.version.items, self.planned.answers, strict=True)

    def failures(self):
        return [
            (item, answer)
            for item, answer in self.answers()
            if answer.outcome == Outcome.FAIL or _out_of_range(item, answer)
        ]


def _insert(recordings: list[Recording], signer: Callable[[Recording], User]) -> list[int]:
    """Insert the inspections, their signatures and answers; the new inspections' ids, in order.

    A few bulk INSERTs rather than thousands of ORM objects: the demo's weeks of history took
    seconds to go through the unit of work. Signed records are only ever inserted.
    """
    signature_ids = db.session.scalars(
        sa.insert(Signature).returning(Signature.id, sort_by_parameter_order=True),
        [
            {
                "signer_id": signer(recording).id,
                "signer_name": signer(recording).display_name,
                "signed_at": recording.submitted_at,
            }
            for recording in recordings
        ],
    ).all()
    inspection_ids = db.session.scalars(
        sa.insert(Inspection).returning(Inspection.id, sort_by_parameter_order=True),
        [
            {
                "client_id": recording.planned.client_id,
                "asset_id": recording.asset.id,
                "checklist_id": recording.checklist.id,
                "version_id": recording.version.id,
                "inspector_id": signer(recording).id,
                "signature_id": signature_id,
                "submitted_at": recording.submitted_at,
                "local_date": recording.planned.day,
                "passed": recording.planned.passed,
                "off_schedule": False,
            }
            for recording, signature_id in zip(recordings, signature_ids, strict=True)
        ],
    ).all()
    db.session.execute(
        sa.insert(Answer),
        [
            {
                "inspection_id": inspection_id,
                "item_id": item.id,
                "position": item.position,
                "outcome": answer.outcome,
                "reading": answer.reading,
                "out_of_range": _out_of_range(item, answer),
                "text": answer.text,
                "note": answer.note,
            }
            for recording, inspection_id in zip(recordings, inspection_ids, strict=True)
            for item, answer in recording.answers()
        ],
    )
    return inspection_ids


def _out_of_range(item, answer: PlannedAnswer) -> bool:
    return answer.reading is not None and not item.in_range(answer.reading)


def _raise(asset, description, inspection, item, inspector):
    raise_fault(
        asset,
        description,
        Urgency.UNSAFE if item.critical else Urgency.NEEDS_REPAIR,
        inspection=inspection,
        item=item,
        reporter=inspector,
        take_out_of_service=item.critical,
        at=inspection.submitted_at,
    )


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)
