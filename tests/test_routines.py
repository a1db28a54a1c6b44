from datetime import date

from app.models import ItemType
from app.routines import routine_states
from tests.factories import make_asset, make_checklist

MONDAY = date(2026, 11, 23)


def weekly_checklist(kind, items):
    return make_checklist(
        kind, ("每周检查", None), items=[{"type": ItemType.CHECK, "text": text} for text in items]
    )


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
