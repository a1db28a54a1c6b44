"""What is due, done and overdue: the calendar rules, without a database."""

from datetime import date, datetime
from types import SimpleNamespace

from app.models import Checklist, ChecklistTemplate
from app.schedule import Calendar, Frequency, Schedule, State, local_date, occurrence, school_today

MONDAY = date(2026, 11, 23)
NO_HOLIDAYS = Calendar()
WEEKLY_MONDAY = Schedule(Frequency.WEEKLY, weekday=0)


def state(schedule, today, last_done=None, school=NO_HOLIDAYS):
    return occurrence(schedule, today, school).state(last_done)


def test_monday_check_is_due_on_monday_and_overdue_after():
    assert state(WEEKLY_MONDAY, MONDAY) == State.DUE
    assert state(WEEKLY_MONDAY, date(2026, 11, 24)) == State.OVERDUE
    assert state(WEEKLY_MONDAY, date(2026, 11, 29)) == State.OVERDUE


def test_monday_check_done_late_in_the_week_counts_until_next_monday():
    assert state(WEEKLY_MONDAY, date(2026, 11, 26), last_done=date(2026, 11, 25)) == State.DONE
    assert state(WEEKLY_MONDAY, date(2026, 11, 30), last_done=date(2026, 11, 25)) == State.DUE


def test_done_before_the_due_date_belongs_to_the_previous_week():
    assert state(WEEKLY_MONDAY, MONDAY, last_done=date(2026, 11, 22)) == State.DUE


def test_monday_check_near_midnight_counts_by_school_time():
    # 23:50 on Monday in Shanghai is 15:50 UTC on Monday; 00:10 Tuesday is Monday 16:10 UTC.
    assert local_date(datetime(2026, 11, 23, 15, 50), "Asia/Shanghai") == MONDAY
    assert local_date(datetime(2026, 11, 23, 16, 10), "Asia/Shanghai") == date(2026, 11, 24)
    # 00:10 on Monday in Shanghai is still Sunday in UTC.
    sunday_utc = datetime(2026, 11, 22, 16, 10)
    assert sunday_utc.date() == date(2026, 11, 22)
    assert local_date(sunday_utc, "Asia/Shanghai") == MONDAY
    assert school_today("Asia/Shanghai", now=sunday_utc) == MONDAY


def test_monthly_on_the_31st_falls_on_the_last_day_of_a_short_month():
    monthly_31 = Schedule(Frequency.MONTHLY, day_of_month=31)
    assert monthly_31.falls_on(date(2026, 11, 30))
    assert monthly_31.falls_on(date(2027, 2, 28))
    assert monthly_31.falls_on(date(2028, 2, 29))
    assert not monthly_31.falls_on(date(2028, 2, 28))
    assert monthly_31.falls_on(date(2026, 12, 31))
    assert not monthly_31.falls_on(date(2026, 12, 30))
    assert occurrence(monthly_31, date(2026, 12, 15), NO_HOLIDAYS).due_date == date(2026, 11, 30)


def test_grace_days_keep_a_monthly_check_due_through_the_first_week():
    start_of_month = Schedule(Frequency.MONTHLY, day_of_month=1, grace_days=6)
    assert state(start_of_month, date(2026, 12, 7)) == State.DUE
    assert state(start_of_month, date(2026, 12, 8)) == State.OVERDUE


def test_daily_routines_fall_on_school_days_only():
    daily = Schedule(Frequency.DAILY)
    assert daily.falls_on(MONDAY)
    assert not daily.falls_on(date(2026, 11, 28))  # Saturday
    # On Sunday, Friday's check was the last due, and was missed.
    assert state(daily, date(2026, 11, 29)) == State.OVERDUE
    assert state(daily, date(2026, 11, 29), last_done=date(2026, 11, 27)) == State.DONE


def test_yearly_in_a_month():
    before_summer = Schedule(Frequency.YEARLY, month=5, day_of_month=1, grace_days=30)
    assert state(before_summer, date(2027, 5, 20)) == State.DUE
    assert state(before_summer, date(2027, 6, 1)) == State.OVERDUE
    assert state(before_summer, date(2027, 6, 1), last_done=date(2027, 5, 2)) == State.DONE
    assert occurrence(before_summer, date(2027, 6, 1), NO_HOLIDAYS).next_due == date(2028, 5, 1)


def test_every_n_days_counts_from_its_anchor():
    fortnightly = Schedule(Frequency.EVERY_N_DAYS, interval_days=14, anchor_date=MONDAY)
    assert fortnightly.falls_on(date(2026, 12, 7))
    assert not fortnightly.falls_on(date(2026, 11, 30))
    assert not fortnightly.falls_on(date(2026, 11, 9))  # before the anchor
    assert occurrence(fortnightly, date(2026, 11, 20), NO_HOLIDAYS).due_date is None
    assert state(fortnightly, date(2026, 11, 20)) == State.UPCOMING


def test_a_holiday_week_pauses_the_routine():
    holiday = SimpleNamespace(start_date=date(2026, 11, 23), end_date=date(2026, 11, 29))
    school = Calendar([holiday])
    assert state(WEEKLY_MONDAY, date(2026, 11, 25), school=school) == State.PAUSED
    assert occurrence(WEEKLY_MONDAY, date(2026, 11, 25), school).paused


def test_a_monday_inside_a_holiday_is_skipped_not_owed():
    long_weekend = SimpleNamespace(start_date=date(2026, 11, 23), end_date=date(2026, 11, 24))
    school = Calendar([long_weekend])
    wednesday = date(2026, 11, 25)
    assert (
        state(WEEKLY_MONDAY, wednesday, last_done=date(2026, 11, 16), school=school) == State.DONE
    )
    assert state(WEEKLY_MONDAY, wednesday, school=school) == State.OVERDUE
    assert occurrence(WEEKLY_MONDAY, date(2026, 11, 20), school).next_due == date(2026, 11, 30)


def test_schedule_of_a_checklist_not_stored_yet():
    # Its grace days are None until the row is stored and takes the column's default.
    checklist = Checklist(frequency=Frequency.WEEKLY, weekday=0)
    assert checklist.schedule == WEEKLY_MONDAY


def test_a_template_holds_the_schedule_it_is_given():
    every_fortnight = Schedule(
        Frequency.EVERY_N_DAYS, interval_days=14, anchor_date=date(2026, 9, 1), grace_days=3
    )
    template = ChecklistTemplate()
    template.schedule = every_fortnight
    assert template.interval_days == 14
    assert template.grace_days == 3
    assert template.schedule == every_fortnight
