"""Editing items makes a new version; the old version and its items never change."""

from datetime import date

import pytest
import sqlalchemy as sa

from app.checklists.schedules import apply_schedule, cleaned, schedule_problems
from app.checklists.versions import (
    StaleVersion,
    add_item,
    changes_between,
    checklist_summaries,
    group_by_coverage,
    move_item,
    retire_item,
    update_item,
)
from app.checklists.wording import range_in_words, schedule_in_words
from app.extensions import db
from app.models import Checklist, ChecklistItem, ChecklistVersion, Frequency, ItemType
from app.schedule import Schedule
from tests.factories import make_asset, make_checklist, make_kind, user

WEEKLY_MONDAY = Schedule(Frequency.WEEKLY, weekday=0)


def slide_checklist(*texts):
    """A weekly slide checklist whose current version has one check item per text."""
    checklist = make_checklist(
        make_kind(),
        ("滑梯周检", "Slide weekly"),
        items=[{"type": ItemType.CHECK, "text": text} for text in texts],
        item_by_item=True,
    )
    db.session.commit()
    return checklist


def snapshot(version):
    return [
        (item.id, item.lineage, item.position, item.text, item.required) for item in version.items
    ]


def reload(checklist_id):
    db.session.expire_all()
    return db.session.get(Checklist, checklist_id)


def test_creating_a_checklist_makes_version_1_without_items(app):
    with app.app_context():
        checklist = slide_checklist()
        checklist = reload(checklist.id)
        assert [v.number for v in checklist.versions] == [1]
        assert checklist.current_version.items == []
        assert checklist.current_version.created_by.username == "admin"


def test_adding_an_item_makes_a_new_version_and_leaves_the_old_one(app):
    with app.app_context():
        checklist = slide_checklist("梯子牢固", "护栏完好")
        checklist = reload(checklist.id)
        assert [v.number for v in checklist.versions] == [1, 2, 3]
        v2, v3 = checklist.versions[1], checklist.versions[2]
        assert [i.text for i in v2.items] == ["梯子牢固"]
        assert [i.text for i in v3.items] == ["梯子牢固", "护栏完好"]
        # The copy is a new row with the same lineage.
        assert v3.items[0].id != v2.items[0].id
        assert v3.items[0].lineage == v2.items[0].lineage
        assert v3.items[1].lineage != v3.items[0].lineage
        assert [i.position for i in v3.items] == [1, 2]


def test_editing_an_item_copies_every_item_and_changes_only_that_one(app):
    with app.app_context():
        checklist = slide_checklist("梯子牢固", "护栏完好")
        before = snapshot(checklist.current_version)
        target = checklist.current_version.items[1]

        version = update_item(
            target, user("admin"), text="护栏、栏杆完好", text_en="Guard rails intact",
            critical=True,
        )
        db.session.commit()
        checklist = reload(checklist.id)

        assert version.number == 4
        assert snapshot(checklist.versions[2]) == before
        edited = checklist.current_version.items
        assert [i.lineage for i in edited] == [lineage for _, lineage, *_ in before]
        assert edited[1].text == "护栏、栏杆完好"
        assert edited[1].text_en == "Guard rails intact"
        assert edited[1].critical is True
        assert edited[0].text == "梯子牢固"
        assert not {i.id for i in edited} & {item_id for item_id, *_ in before}


def test_moving_an_item_reorders_the_new_version_only(app):
    with app.app_context():
        checklist = slide_checklist("一", "二", "三")
        before = snapshot(checklist.current_version)
        third = checklist.current_version.items[2]

        move_item(third, user("admin"), -1)
        db.session.commit()
        checklist = reload(checklist.id)
        assert [i.text for i in checklist.current_version.items] == ["一", "三", "二"]
        assert [i.position for i in checklist.current_version.items] == [1, 2, 3]
        assert snapshot(checklist.versions[-2]) == before

        move_item(checklist.current_version.items[0], user("admin"), 1)
        db.session.commit()
        checklist = reload(checklist.id)
        assert [i.text for i in checklist.current_version.items] == ["三", "一", "二"]


def test_an_item_cannot_move_past_either_end(app):
    with app.app_context():
        checklist = slide_checklist("一", "二")
        first, last = checklist.current_version.items
        with pytest.raises(ValueError):
            move_item(first, user("admin"), -1)
        db.session.rollback()
        with pytest.raises(ValueError):
            move_item(last, user("admin"), 1)
        db.session.rollback()
        with pytest.raises(ValueError):
            move_item(first, user("admin"), 2)


def test_retiring_an_item_removes_it_from_the_next_version_only(app):
    with app.app_context():
        checklist = slide_checklist("一", "二", "三")
        before = snapshot(checklist.current_version)
        retire_item(checklist.current_version.items[0], user("admin"))
        db.session.commit()
        checklist = reload(checklist.id)
        assert [i.text for i in checklist.current_version.items] == ["二", "三"]
        assert [i.position for i in checklist.current_version.items] == [1, 2]
        assert snapshot(checklist.versions[-2]) == before
        assert db.session.scalar(sa.select(sa.func.count(ChecklistItem.id))) == 1 + 2 + 3 + 2


def test_a_change_made_on_an_old_version_is_refused(app):
    with app.app_context():
        checklist = slide_checklist("一")
        old_item = checklist.current_version.items[0]
        update_item(old_item, user("admin"), text="一（改）")
        db.session.commit()
        for change in (
            lambda: update_item(old_item, user("admin"), text="又改"),
            lambda: move_item(old_item, user("admin"), 1),
            lambda: retire_item(old_item, user("admin")),
            lambda: add_item(checklist, user("admin"), 2, type=ItemType.TEXT, text="备注"),
        ):
            with pytest.raises(StaleVersion) as refused:
                change()
            assert refused.value.current.number == 3
        db.session.rollback()
        assert len(reload(checklist.id).versions) == 3


def test_the_version_number_is_unique_per_checklist(app):
    with app.app_context():
        checklist = slide_checklist()
        db.session.add(ChecklistVersion(checklist_id=checklist.id, number=1))
        with pytest.raises(sa.exc.IntegrityError):
            db.session.commit()


def test_reading_items_keep_their_range_and_other_types_drop_it(app):
    with app.app_context():
        checklist = slide_checklist()
        add_item(
            checklist,
            user("admin"),
            1,
            type=ItemType.READING,
            text="裂缝宽度",
            unit="mm",
            max_value=0.3,
            critical=True,
        )
        db.session.flush()
        add_item(
            checklist, user("admin"), 2, type=ItemType.TEXT, text="备注", unit="mm", max_value=3
        )
        db.session.commit()
        reading, text = reload(checklist.id).current_version.items
        assert (reading.unit, reading.min_value, reading.max_value) == ("mm", None, 0.3)
        assert (text.unit, text.min_value, text.max_value) == (None, None, None)


def test_an_items_text_is_stored_without_surrounding_spaces_as_a_templates_is(app):
    with app.app_context():
        checklist = slide_checklist()
        add_item(checklist, user("admin"), 1, type=ItemType.CHECK, text="  梯子牢固 ")
        db.session.commit()
        assert [i.text for i in reload(checklist.id).current_version.items] == ["梯子牢固"]


@pytest.mark.parametrize(
    "fields",
    [
        {"type": ItemType.TEXT, "text": "备注", "critical": True},
        {"type": ItemType.PHOTO, "text": "照片", "critical": True},
        {"type": ItemType.READING, "text": "读数", "min_value": 5.0, "max_value": 1.0},
        {"type": ItemType.READING, "text": "读数", "max_value": float("nan")},
        {"type": ItemType.CHECK, "text": "   "},
    ],
)
def test_the_domain_refuses_items_that_make_no_sense(app, fields):
    with app.app_context():
        checklist = slide_checklist()
        with pytest.raises(ValueError):
            add_item(checklist, user("admin"), 1, **fields)


def test_update_item_refuses_to_change_the_type(app):
    with app.app_context():
        checklist = slide_checklist("一")
        with pytest.raises(TypeError):
            update_item(checklist.current_version.items[0], user("admin"), type=ItemType.PHOTO)


def test_changes_between_versions_are_counted_by_lineage(app):
    with app.app_context():
        checklist = slide_checklist("一", "二", "三")
        items = checklist.current_version.items
        update_item(items[0], user("admin"), text="一！")
        db.session.flush()
        retire_item(checklist.current_version.items[1], user("admin"))
        db.session.flush()
        move_item(checklist.current_version.items[1], user("admin"), -1)
        db.session.commit()
        versions = reload(checklist.id).versions
        first = changes_between(None, versions[0])
        assert not first
        assert changes_between(versions[0], versions[1]).added == 1
        assert changes_between(versions[3], versions[4]).edited == 1
        assert changes_between(versions[4], versions[5]).retired == 1
        moved = changes_between(versions[5], versions[6])
        assert moved.reordered and not (moved.added or moved.edited or moved.retired)


def test_summaries_count_the_current_items_in_two_queries(app):
    with app.app_context():
        slide_checklist("一", "二")
        fan = make_kind("electric-fan", "电风扇", "Electric fan")
        make_checklist(fan, ("风扇月检", None), Frequency.MONTHLY, items=[], day_of_month=1)
        asset = make_asset(code="SLD234")
        make_checklist(None, ("2号滑梯专项", None), items=[], asset=asset)
        db.session.commit()
        db.session.expire_all()

        statements = []
        sa.event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        summaries = checklist_summaries()
        groups = group_by_coverage(summaries)
        covered = [(g.kind.key if g.kind else g.asset.code) for g in groups]
        assert len(statements) == 2

        sizes = {s.checklist.name: (s.version_number, s.item_count, s.offered) for s in summaries}
        assert sizes == {
            "滑梯周检": (3, 2, True),
            "风扇月检": (1, 0, False),
            "2号滑梯专项": (1, 0, False),
        }
        # Kinds by their Chinese name (滑 sorts before 电), then assets of their own.
        assert covered == ["slide", "electric-fan", "SLD234"]


def test_fields_a_frequency_does_not_use_are_stored_as_none(app):
    with app.app_context():
        checklist = slide_checklist()
        apply_schedule(
            checklist,
            Schedule(
                Frequency.WEEKLY,
                weekday=2,
                day_of_month=15,
                month=5,
                interval_days=9,
                anchor_date=date(2026, 9, 1),
                grace_days=2,
            ),
        )
        db.session.commit()
        checklist = reload(checklist.id)
        assert (checklist.frequency, checklist.weekday, checklist.grace_days) == (
            Frequency.WEEKLY,
            2,
            2,
        )
        assert checklist.day_of_month is None
        assert checklist.month is None
        assert checklist.interval_days is None
        assert checklist.anchor_date is None
        assert cleaned(Schedule(Frequency.DAILY, weekday=3)) == Schedule(Frequency.DAILY)


@pytest.mark.parametrize(
    ("schedule", "field"),
    [
        (Schedule(Frequency.WEEKLY), "weekday"),
        (Schedule(Frequency.WEEKLY, weekday=7), "weekday"),
        (Schedule(Frequency.MONTHLY), "day_of_month"),
        (Schedule(Frequency.MONTHLY, day_of_month=0), "day_of_month"),
        (Schedule(Frequency.MONTHLY, day_of_month=32), "day_of_month"),
        (Schedule(Frequency.YEARLY), "month"),
        (Schedule(Frequency.YEARLY, month=13), "month"),
        (Schedule(Frequency.YEARLY, month=4, day_of_month=31), "day_of_month"),
        (Schedule(Frequency.EVERY_N_DAYS, anchor_date=date(2026, 9, 1)), "interval_days"),
        (
            Schedule(Frequency.EVERY_N_DAYS, interval_days=0, anchor_date=date(2026, 9, 1)),
            "interval_days",
        ),
        (
            Schedule(Frequency.EVERY_N_DAYS, interval_days=367, anchor_date=date(2026, 9, 1)),
            "interval_days",
        ),
        (Schedule(Frequency.EVERY_N_DAYS, interval_days=14), "anchor_date"),
        (Schedule(Frequency.DAILY, grace_days=61), "grace_days"),
        (Schedule(Frequency.DAILY, grace_days=-1), "grace_days"),
    ],
)
def test_schedule_problems_name_the_field(app, schedule, field):
    with app.test_request_context():
        assert list(schedule_problems(schedule)) == [field]
        checklist = Checklist(name="x")
        with pytest.raises(ValueError):
            apply_schedule(checklist, schedule)


def test_valid_schedules_have_no_problems(app):
    with app.test_request_context():
        for schedule in (
            Schedule(Frequency.DAILY),
            Schedule(Frequency.WEEKLY, weekday=6, grace_days=60),
            Schedule(Frequency.MONTHLY, day_of_month=31),
            Schedule(Frequency.YEARLY, month=2, day_of_month=29),
            Schedule(Frequency.YEARLY, month=5),
            Schedule(Frequency.EVERY_N_DAYS, interval_days=1, anchor_date=date(2026, 9, 1)),
        ):
            assert schedule_problems(schedule) == {}


@pytest.mark.parametrize(
    ("schedule", "english", "chinese"),
    [
        (Schedule(Frequency.DAILY), "Every school day", None),
        (Schedule(Frequency.WEEKLY, weekday=0), "Weekly, Monday", "星期一"),
        (Schedule(Frequency.MONTHLY, day_of_month=1), "Monthly, on the 1st", None),
        (Schedule(Frequency.MONTHLY, day_of_month=22), "Monthly, on the 22nd", None),
        (Schedule(Frequency.MONTHLY, day_of_month=13), "Monthly, on the 13th", None),
        (Schedule(Frequency.YEARLY, month=5), "Yearly, in May", "五月"),
        (Schedule(Frequency.YEARLY, month=5, day_of_month=15), "Yearly, on May 15", None),
        (Schedule(Frequency.EVERY_N_DAYS, interval_days=14), "Every 14 days", "14"),
    ],
)
def test_schedules_in_words(app, schedule, english, chinese):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert schedule_in_words(schedule) == english
    if chinese:
        with app.test_request_context(headers={"Accept-Language": "zh"}):
            assert chinese in schedule_in_words(schedule)


def test_reading_ranges_in_words(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        item = ChecklistItem(type=ItemType.READING, text="裂缝", unit="mm", max_value=0.3)
        assert range_in_words(item) == "at most 0.3 mm"
        item.min_value = 0.0
        assert range_in_words(item) == "from 0 mm to 0.3 mm"
        item.max_value, item.unit = None, None
        assert range_in_words(item) == "at least 0"
        item.min_value = None
        assert range_in_words(item) is None
