from datetime import date

from app.extensions import db
from app.models import Checklist, ChecklistItem, ChecklistVersion, Frequency, ItemType
from app.routines import routine_states
from tests.factories import make_asset

MONDAY = date(2026, 11, 23)


def weekly_checklist(kind, items):
    checklist = Checklist(name="每周检查", kind=kind, frequency=Frequency.WEEKLY, weekday=0)
    version = ChecklistVersion(checklist=checklist, number=1)
    for position, text in enumerate(items, start=1):
        version.items.append(ChecklistItem(position=position, type=ItemType.CHECK, text=text))
    db.session.add(checklist)
    db.session.flush()
    return checklist


def test_a_routine_with_items_is_due_on_its_day(app):
    with app.app_context():
        asset = make_asset()
        weekly_checklist(asset.kind, ["梯子牢固"])
        [state] = routine_states([asset], on=MONDAY)
        assert state.is_due_now


def test_a_routine_without_items_is_not_offered(app):
    with app.app_context():
        asset = make_asset()
        weekly_checklist(asset.kind, [])
        assert routine_states([asset], on=MONDAY) == []
