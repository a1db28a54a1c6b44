"""Routines done against due over a period, checked against hand-made histories."""

from datetime import date, datetime, timedelta

import sqlalchemy as sa

from app import tenancy
from app.compliance import Counts, completion
from app.core.months import month_period
from app.extensions import db
from app.models import (
    Asset,
    AssetStatus,
    Checklist,
    Frequency,
    Inspection,
    PlaceKind,
)
from app.terms import DEFAULT_STARTS, term_containing
from tests.factories import (
    make_asset,
    make_checklist,
    make_closed_period,
    make_history,
    make_inspection,
    make_kind,
    make_place,
)

LONG_AGO = datetime(2025, 1, 1)
NOVEMBER = month_period(2026, 11)  # Mondays: 2, 9, 16, 23, 30
AFTER_NOVEMBER = date(2026, 12, 10)


def asset(name="滑梯 1", kind=None, place=None, registered=LONG_AGO, **kwargs):
    return make_asset(name, None, kind, place, registered=registered, **kwargs)


def routine(kind, **schedule):
    schedule.setdefault("created_at", LONG_AGO)
    return make_checklist(kind, **schedule)


def counts(result):
    return (result.due, result.done, result.open, result.missed)


def only(start, end, today, **kwargs):
    db.session.commit()
    [result] = completion(start, end, today=today, **kwargs).routines
    return result


def test_a_weekly_routine_over_a_month_with_one_missed_week(app):
    with app.app_context():
        slide = asset()
        check = routine(slide.kind)
        for day in (2, 9, 23, 30):
            make_inspection(slide, check, date(2026, 11, day))
        result = only(*NOVEMBER, AFTER_NOVEMBER)
        assert counts(result) == (5, 4, 0, 1)
        assert result.rate == 0.8
        assert result.checklist.id == check.id


def test_a_daily_routine_is_not_due_on_weekends_or_in_a_closed_period(app):
    with app.app_context():
        stove = asset("燃气灶", make_kind("stove", "燃气灶", "Gas stove"))
        check = routine(stove.kind, frequency=Frequency.DAILY)
        make_closed_period("国庆", date(2026, 10, 1), date(2026, 10, 7))
        # School days 8, 9, 12–16 October; the 13th was missed, the 3rd was a holiday.
        for day in (3, 8, 9, 12, 14, 15, 16):
            make_inspection(stove, check, date(2026, 10, day))
        result = only(date(2026, 10, 1), date(2026, 10, 16), date(2026, 11, 1))
        assert counts(result) == (7, 6, 0, 1)


def test_a_monthly_routine_falls_on_the_last_day_of_a_short_month(app):
    with app.app_context():
        fan = asset("风扇", make_kind("fan", "风扇", "Fan"))
        check = routine(fan.kind, frequency=Frequency.MONTHLY, day_of_month=31)
        make_inspection(fan, check, date(2026, 2, 28))
        assert counts(only(*month_period(2026, 2), date(2026, 3, 10))) == (1, 1, 0, 0)
        make_inspection(fan, check, date(2026, 4, 29))  # before April's due date: not for it
        assert counts(only(*month_period(2026, 4), date(2026, 5, 10))) == (1, 0, 0, 1)


def test_a_late_check_before_the_next_due_date_is_done(app):
    with app.app_context():
        slide = asset()
        check = routine(slide.kind)
        make_inspection(slide, check, date(2026, 11, 4))  # Wednesday after Monday the 2nd
        assert counts(only(date(2026, 11, 2), date(2026, 11, 8), AFTER_NOVEMBER)) == (1, 1, 0, 0)


def test_a_check_after_the_next_due_date_counts_for_that_one_only(app):
    with app.app_context():
        slide = asset()
        check = routine(slide.kind)
        make_inspection(slide, check, date(2026, 11, 10))
        assert counts(only(date(2026, 11, 2), date(2026, 11, 9), AFTER_NOVEMBER)) == (2, 1, 0, 1)


def test_the_last_due_in_the_period_may_be_done_after_the_period(app):
    with app.app_context():
        slide = asset()
        check = routine(slide.kind)
        # For Monday 30 November, before 7 December; then for 7 December, outside the period.
        make_inspection(slide, check, date(2026, 12, 2))
        make_inspection(slide, check, date(2026, 12, 8))
        assert counts(only(*NOVEMBER, AFTER_NOVEMBER)) == (5, 1, 0, 4)


def test_a_correction_is_not_a_check_of_its_own(app):
    with app.app_context():
        slide = asset()
        check = routine(slide.kind)
        first = make_inspection(slide, check, date(2026, 11, 2))
        make_inspection(slide, check, date(2026, 11, 2), corrects=first)
        make_inspection(slide, check, date(2026, 11, 9), corrects=first)  # corrected a week later
        assert counts(only(date(2026, 11, 2), date(2026, 11, 9), AFTER_NOVEMBER)) == (2, 1, 0, 1)


def test_a_due_still_within_its_grace_is_open_not_missed(app):
    with app.app_context():
        slide = asset()
        check = routine(slide.kind, grace_days=2)
        for day in (2, 9):
            make_inspection(slide, check, date(2026, 11, day))
        # Monday the 23rd is today: open; the 16th is past its grace: missed; the 30th is
        # not due yet.
        result = only(*NOVEMBER, date(2026, 11, 23))
        assert counts(result) == (4, 2, 1, 1)
        assert result.rate == 2 / 3
        assert counts(only(*NOVEMBER, date(2026, 11, 25))) == (4, 2, 1, 1)
        assert counts(only(*NOVEMBER, date(2026, 11, 26))) == (4, 2, 0, 2)
        make_inspection(slide, check, date(2026, 11, 23))
        assert counts(only(*NOVEMBER, date(2026, 11, 23))) == (4, 3, 0, 1)


def test_each_asset_lists_the_due_dates_it_missed_and_not_those_still_open(app):
    with app.app_context():
        slide, other = asset(), asset("滑梯 2")
        check = routine(slide.kind, grace_days=2)
        for day in (2, 9):
            make_inspection(slide, check, date(2026, 11, day))
        make_inspection(other, check, date(2026, 11, 16))
        result = only(*NOVEMBER, date(2026, 11, 23), per_asset=True)
        # The 23rd is today, within its grace: open, so not missed (yet).
        assert result.assets[slide.id].missed_on == [date(2026, 11, 16)]
        assert result.assets[other.id].missed_on == [date(2026, 11, 2), date(2026, 11, 9)]
        later = only(*NOVEMBER, AFTER_NOVEMBER, per_asset=True)
        assert later.assets[slide.id].missed_on == [
            date(2026, 11, 16), date(2026, 11, 23), date(2026, 11, 30)
        ]
        assert all(len(c.missed_on) == c.missed for c in later.assets.values())


def test_a_grace_longer_than_the_interval_closes_at_the_next_due_date(app):
    with app.app_context():
        slide = asset()
        routine(slide.kind, grace_days=10)
        assert counts(only(date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 9))) == (
            2, 0, 1, 1
        )


def test_nothing_due_yet_has_no_rate(app):
    with app.app_context():
        slide = asset()
        routine(slide.kind)
        result = only(date(2026, 11, 3), date(2026, 11, 8), AFTER_NOVEMBER)
        assert counts(result) == (0, 0, 0, 0)
        assert result.rate is None
        assert Counts(due=1, open=1).rate is None


def test_over_a_term_holidays_and_the_next_term_apart(app):
    with app.app_context():
        fan = asset("风扇", make_kind("fan", "风扇", "Fan"))
        check = routine(fan.kind, frequency=Frequency.MONTHLY, day_of_month=1)
        make_closed_period("国庆", date(2026, 10, 1), date(2026, 10, 7))
        for day in (date(2026, 9, 1), date(2026, 12, 1), date(2027, 1, 1), date(2027, 2, 1)):
            make_inspection(fan, check, day)
        term = term_containing(date(2026, 11, 1), DEFAULT_STARTS)
        # 1 September, November, December and January are due; 1 October is a holiday.
        assert counts(only(term.start, term.end, date(2027, 3, 1))) == (4, 3, 0, 1)


def test_an_asset_counts_from_the_day_it_was_registered(app):
    with app.app_context():
        kind = make_kind()
        routine(kind)
        # Registered at 17:00 UTC on Sunday the 15th: Monday the 16th in Shanghai.
        asset("滑梯 1", kind, registered=datetime(2026, 11, 15, 17))
        assert counts(only(*NOVEMBER, AFTER_NOVEMBER)) == (3, 0, 0, 3)


def test_a_routine_counts_from_the_day_it_was_made(app):
    with app.app_context():
        slide = asset()
        routine(slide.kind, created_at=datetime(2026, 11, 20))
        assert counts(only(*NOVEMBER, AFTER_NOVEMBER)) == (2, 0, 0, 2)


def test_retired_assets_count_until_the_day_they_were_retired(app):
    with app.app_context():
        kind = make_kind()
        check = routine(kind)
        gone = asset("滑梯 1", kind, status=AssetStatus.RETIRED)
        gone.retired_at = datetime(2026, 10, 20)
        leaving = asset("滑梯 2", kind, status=AssetStatus.RETIRED)
        leaving.retired_at = datetime(2026, 11, 12)
        # Edited since (a note, a photo): the day it was retired stays what counts.
        leaving.updated_at = datetime(2026, 11, 28)
        broken = asset("滑梯 3", kind, status=AssetStatus.OUT_OF_SERVICE)
        make_inspection(leaving, check, date(2026, 11, 9))
        result = only(*NOVEMBER, AFTER_NOVEMBER, per_asset=True)
        assert set(result.assets) == {leaving.id, broken.id}
        assert counts(result.assets[leaving.id]) == (2, 1, 0, 1)
        assert counts(result.assets[broken.id]) == (5, 0, 0, 5)
        assert counts(result) == (7, 1, 0, 6)


def test_counts_per_routine_per_asset_and_in_total(app):
    with app.app_context():
        slide_kind, fan_kind = make_kind(), make_kind("fan", "风扇", "Fan")
        slides = [asset(f"滑梯 {n}", slide_kind) for n in (1, 2, 3)]
        fan = asset("风扇", fan_kind)
        slide_check = routine(slide_kind)
        fan_check = routine(fan_kind, frequency=Frequency.MONTHLY, day_of_month=1)
        own = routine(None, asset=slides[0], frequency=Frequency.MONTHLY, day_of_month=15)
        for day in (2, 9, 16, 23, 30):
            make_inspection(slides[0], slide_check, date(2026, 11, day))
        make_inspection(slides[1], slide_check, date(2026, 11, 2))
        # Another kind's routine: not counted.
        make_inspection(slides[1], fan_check, date(2026, 11, 2))
        make_inspection(fan, fan_check, date(2026, 11, 3))
        make_inspection(slides[0], own, date(2026, 11, 16))
        db.session.commit()
        report = completion(*NOVEMBER, today=AFTER_NOVEMBER, per_asset=True)
        by_id = {r.checklist.id: r for r in report.routines}
        assert counts(by_id[slide_check.id]) == (15, 6, 0, 9)
        assert {a: counts(c) for a, c in by_id[slide_check.id].assets.items()} == {
            slides[0].id: (5, 5, 0, 0),
            slides[1].id: (5, 1, 0, 4),
            slides[2].id: (5, 0, 0, 5),
        }
        assert counts(by_id[fan_check.id]) == (1, 1, 0, 0)
        assert set(by_id[fan_check.id].assets) == {fan.id}
        assert counts(by_id[own.id]) == (1, 1, 0, 0)
        assert counts(report.total) == (17, 8, 0, 9)
        assert report.total.rate == 8 / 17
        assert completion(*NOVEMBER, today=AFTER_NOVEMBER).routines[0].assets == {}


def test_narrowed_to_routines_a_place_or_assets(app):
    with app.app_context():
        kind = make_kind()
        site = make_place("校园", "School", PlaceKind.SITE)
        building = make_place("教学楼", "Teaching building", PlaceKind.BUILDING, parent=site)
        room = make_place("101室", "Room 101", PlaceKind.ROOM, parent=building)
        yard = make_place("操场", "Playground", PlaceKind.AREA, parent=site)
        inside, outside = asset("滑梯 1", kind, room), asset("滑梯 2", kind, yard)
        slide_check = routine(kind)
        other = routine(kind, frequency=Frequency.DAILY)
        make_inspection(inside, slide_check, date(2026, 11, 2))
        make_inspection(outside, slide_check, date(2026, 11, 2))
        make_inspection(outside, slide_check, date(2026, 11, 9))
        # Another routine: not counted for this one.
        make_inspection(inside, other, date(2026, 11, 3))
        db.session.commit()
        week = (date(2026, 11, 2), date(2026, 11, 13))
        [result] = completion(*week, today=AFTER_NOVEMBER, checklists=[slide_check]).routines
        assert counts(result) == (4, 3, 0, 1)
        [result, _] = completion(*week, today=AFTER_NOVEMBER, place=building).routines
        assert counts(result) == (2, 1, 0, 1)
        [result, _] = completion(*week, today=AFTER_NOVEMBER, place=site).routines
        assert counts(result) == (4, 3, 0, 1)
        report = completion(*week, today=AFTER_NOVEMBER, assets=[outside], per_asset=True)
        assert [counts(r) for r in report.routines] == [(2, 2, 0, 0), (10, 0, 0, 10)]
        [_, result] = completion(*week, today=AFTER_NOVEMBER, assets=[inside]).routines
        assert counts(result) == (10, 1, 0, 9)
        assert set(report.routines[1].assets) == {outside.id}
        assert other.id == report.routines[1].checklist.id


def test_inactive_routines_and_routines_without_items_count_for_nothing(app):
    with app.app_context():
        slide = asset()
        stopped = routine(slide.kind)
        stopped.active = False
        empty = routine(slide.kind, names=("空检查", None), items=[])
        db.session.commit()
        assert completion(*NOVEMBER, today=AFTER_NOVEMBER).routines == []
        given = completion(*NOVEMBER, today=AFTER_NOVEMBER, checklists=[stopped, empty])
        assert given.routines == []
        assert counts(completion(*NOVEMBER, today=AFTER_NOVEMBER).total) == (0, 0, 0, 0)


def expire_all_but_the_school():
    """What a request has in hand before it counts: its school, read with the sign-in."""
    db.session.expire_all()
    db.session.refresh(tenancy.current_school())


def count_statements(action, statements=None):
    statements = [] if statements is None else statements

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        action()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    return len(statements)


def bulk_school(name, kinds, assets_per_kind, weeks):
    """Assets of several kinds with a weekly routine each and every Monday inspected."""
    mondays = [date(2026, 11, 2) - timedelta(weeks=week) for week in range(weeks)]
    for k in range(kinds):
        kind = make_kind(f"{name}-{k}", f"{name}类别{k}", None)
        check = routine(kind)
        for n in range(assets_per_kind):
            make_history(asset(f"{name}设备{k}-{n}", kind), check, mondays)
    db.session.commit()


def test_the_same_queries_however_large_the_school(app):
    term = (date(2026, 9, 1), date(2027, 1, 31))
    with app.app_context():
        bulk_school("small", kinds=1, assets_per_kind=1, weeks=1)
        expire_all_but_the_school()
        small = count_statements(lambda: completion(*term, today=AFTER_NOVEMBER))
        bulk_school("large", kinds=5, assets_per_kind=20, weeks=12)
        expire_all_but_the_school()
        assert db.session.scalar(sa.select(sa.func.count(Inspection.id))) == 1 + 5 * 20 * 12
        assert count_statements(lambda: completion(*term, today=AFTER_NOVEMBER)) == small
        place = db.session.scalar(sa.select(Asset)).place
        seen = []
        assert count_statements(
            lambda: completion(*term, today=AFTER_NOVEMBER, place=place, per_asset=True), seen
        ) == small + 1, "\n\n".join(seen)  # the place tree
        report = completion(*term, today=AFTER_NOVEMBER)
        # 14 Mondays from 7 September to 7 December; of the 12 weeks up to 2 November
        # inspected on the large school's 100 assets, 9 fall in the term.
        assert counts(report.total) == (101 * 14, 1 + 100 * 9, 0, 101 * 14 - 901)
        assert len(report.routines) == len(db.session.scalars(sa.select(Checklist)).all())
