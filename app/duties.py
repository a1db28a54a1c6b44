"""Who does a routine.

Rules:
- A routine names one or more people, and may name stand-ins.
- Its people on duty are its active people; while none of them is active, its active
  stand-ins; while none of those either, nobody: then, as with a routine naming nobody, the
  check is everyone's, and the logistics head is told once that nobody is left to do it.
- Anyone may still do any check: duties decide who is reminded, not who may sign.
"""

from collections.abc import Iterable

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.models import Checklist, Duty, User


def on_duty(checklist: Checklist) -> list[User]:
    """The people reminded of this routine, as the rules above choose them."""
    return on_duty_among(checklist.duties)


def on_duty_among(duties: Iterable[Duty]) -> list[User]:
    """The people on duty among one routine's duties, e.g. a list from duties_by_checklist."""
    duties = list(duties)
    people = [duty.user for duty in duties if not duty.stand_in and duty.user.active]
    if people:
        return people
    return [duty.user for duty in duties if duty.stand_in and duty.user.active]


def names_anyone(checklist: Checklist) -> bool:
    return bool(checklist.duties)


def left_without_anyone(checklist: Checklist) -> bool:
    """It named people, and every one of them (stand-ins too) has been disabled."""
    return names_anyone(checklist) and not on_duty(checklist)


def routines_of(user: User, checklists: Iterable[Checklist]) -> list[Checklist]:
    """Of these routines, the ones this person is on duty for."""
    return [checklist for checklist in checklists if user in on_duty(checklist)]


def duties_by_checklist() -> dict[int, list[Duty]]:
    """Every routine's duties with their people, in one query, for lists of many routines."""
    duties: dict[int, list[Duty]] = {}
    for duty in db.session.scalars(
        sa.select(Duty).options(so.joinedload(Duty.user)).order_by(Duty.user_id)
    ):
        duties.setdefault(duty.checklist_id, []).append(duty)
    return duties


def routine_ids_of(user: User) -> set[int]:
    """The ids of every routine this person is on duty for, in one query."""
    return {
        checklist_id
        for checklist_id, duties in duties_by_checklist().items()
        if user in on_duty_among(duties)
    }


def name_people(checklist: Checklist, people: Iterable[User], stand_ins: Iterable[User]) -> None:
    """Name the routine's people and stand-ins in place of those named before.

    Someone given as both is one of its people: a person cannot be their own stand-in. A
    person still named keeps their row, so naming the same people again changes nothing.
    """
    chosen = {user.id: (user, True) for user in stand_ins}
    chosen |= {user.id: (user, False) for user in people}
    kept = []
    for duty in checklist.duties:
        if duty.user_id in chosen:
            duty.stand_in = chosen.pop(duty.user_id)[1]
            kept.append(duty)
    checklist.duties = kept + [
        Duty(user=user, stand_in=stand_in) for user, stand_in in chosen.values()
    ]
