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
    people = [duty.user for duty in checklist.duties if not duty.stand_in and duty.user.active]
    if people:
        return people
    return [duty.user for duty in checklist.duties if duty.stand_in and duty.user.active]


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
