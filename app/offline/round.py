"""What "Take today's round offline" keeps on the phone: the pages a signed-in person opens
on the round today and the rest of this week.

For each asset with a routine due or overdue today, or due later this week (UpKeep's rule:
what is yours and due this week): its plate page (what the phone's camera opens), its fault
report form and, for those who inspect, the inspection form. A repairer also gets the pages
of his own open jobs. Today's round itself comes first. Bounded, so a big school does not
fill a cheap phone: the most pressing first.
"""

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask import url_for

from app.core.place_tree import PlaceTree
from app.extensions import db
from app.models import Asset, Fault, FaultStatus, Role
from app.rounds.today import assets_on_the_rounds
from app.routines import RoutineState, routine_states
from app.schedule import State

MAX_PAGES = 300
INSPECTING_ROLES = (Role.ADMIN, Role.INSPECTOR)


@dataclass(frozen=True)
class OfflineRound:
    urls: list[str]
    left_out: int  # pages that did not fit under MAX_PAGES


def end_of_week(day: date) -> date:
    """The Sunday of the week `day` is in."""
    return day + timedelta(days=6 - day.weekday())


def wanted_this_week(entry: RoutineState, today: date) -> bool:
    if entry.is_due_now:
        return True
    due = entry.occurrence.next_due
    return entry.state != State.PAUSED and due is not None and due <= end_of_week(today)


def offline_round(user, today: date) -> OfflineRound:
    tree = PlaceTree.load()
    entries = [
        e for e in routine_states(assets_on_the_rounds(), today) if wanted_this_week(e, today)
    ]
    entries.sort(
        key=lambda e: (
            {State.OVERDUE: 0, State.DUE: 1}.get(e.state, 2),
            e.occurrence.next_due or date.max,
            tree.walking_key(e.asset.place_id, e.asset.name, e.asset.id),
        )
    )
    urls = [url_for("rounds.today")]
    if user.role == Role.REPAIRER:
        for fault_id, code in _open_jobs(user):
            urls += [url_for("faults.show", fault_id=fault_id), url_for("scan.door", code=code)]
    for entry in entries:
        code = entry.asset.code
        urls += [url_for("scan.door", code=code), url_for("faults.report", code=code)]
        if user.role in INSPECTING_ROLES:
            urls.append(
                url_for(
                    "inspections.new", asset_id=entry.asset.id, checklist_id=entry.checklist.id
                )
            )
    unique = list(dict.fromkeys(urls))
    return OfflineRound(urls=unique[:MAX_PAGES], left_out=max(len(unique) - MAX_PAGES, 0))


def _open_jobs(user) -> list[tuple[int, str]]:
    return list(
        db.session.execute(
            sa.select(Fault.id, Asset.code)
            .join(Asset, Fault.asset_id == Asset.id)
            .where(
                Fault.assigned_to_id == user.id,
                Fault.status.in_((FaultStatus.ASSIGNED, FaultStatus.IN_PROGRESS)),
            )
            .order_by(Fault.id)
        )
    )
