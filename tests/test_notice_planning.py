"""The scheduled notices, at their school-local times, once each, late but never skipped."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from app import settings
from app.extensions import db
from app.models import FaultStatus, Frequency, Notice, Reason, Role, Urgency
from app.notices import planning, writing
from app.notices.planning import plan_due
from tests.factories import (
    make_asset,
    make_channel,
    make_checklist,
    make_closed_period,
    make_duty,
    make_fault_at,
    make_inspection,
    make_kind,
    make_staff_report,
    make_user,
    set_school,
    user,
)
from tests.test_inspections_records import QueryCounter

MONDAY = date(2027, 3, 1)
TUESDAY, WEDNESDAY, FRIDAY = (MONDAY + timedelta(days=n) for n in (1, 2, 4))
SLIDE_CHECK = ("滑梯每日检查", "Daily slide check")


def at(day, hours, minutes=0):
    """Naive UTC of a school-local time (Asia/Shanghai unless the test changed the zone)."""
    from app import tenancy

    zone = ZoneInfo(tenancy.school_timezone())
    local = datetime.combine(day, time(hours, minutes), tzinfo=zone)
    return local.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def notices(reason=None):
    query = sa.select(Notice).order_by(Notice.id)
    if reason is not None:
        query = query.where(Notice.reason == reason)
    return db.session.scalars(query).all()


def keys(reason=None):
    return [notice.key for notice in notices(reason)]


def slides(count=2):
    kind = make_kind()
    return [make_asset(f"滑梯 {n}", f"Slide {n}", kind=kind) for n in range(1, count + 1)]


def daily_check(*people, reminder=None, **schedule):
    checklist = make_checklist(make_kind(), SLIDE_CHECK, Frequency.DAILY, **schedule)
    checklist.reminder_time = reminder
    for person in people:
        make_duty(checklist, person)
    return checklist


def weekly_check(*people, names=("大型玩具每周检查", "Weekly large toy check"), **schedule):
    checklist = make_checklist(make_kind(), names, Frequency.WEEKLY, **schedule)
    for person in people:
        make_duty(checklist, person)
    return checklist


# Your checks today


def test_the_morning_tells_each_person_their_routines_due_today(app):
    with app.app_context():
        wang = make_user("wang", display_name="王丽")
        make_user("idle")
        slides(2)
        daily_check(wang)
        weekly_check(wang)  # Mondays: due too
        weekly_check(wang, names=("周三检查", "Wednesday check"), weekday=2)
        db.session.commit()

        plan_due(at(MONDAY, 7, 29))
        assert notices(Reason.MORNING) == []
        plan_due(at(MONDAY, 7, 30))
        [notice] = notices(Reason.MORNING)
        assert notice.key == f"morning:{wang.id}:2027-03-01"
        assert notice.recipients == [wang]
        assert notice.facts == {"date": "2027-03-01", "routines": [
            {"name": {"zh": "滑梯每日检查", "en": "Daily slide check"}, "to_check": 2,
             "overdue": 0},
            {"name": {"zh": "大型玩具每周检查", "en": "Weekly large toy check"},
             "to_check": 2, "overdue": 0},
            # Last Wednesday's, never done: still to do, and overdue.
            {"name": {"zh": "周三检查", "en": "Wednesday check"}, "to_check": 2, "overdue": 2},
        ]}
        assert notice.checklist is None


def test_the_morning_is_written_once_however_often_the_worker_looks(app):
    with app.app_context():
        wang = make_user("wang")
        slides(1)
        daily_check(wang)
        db.session.commit()
        assert plan_due(at(MONDAY, 7, 30)) == 1
        assert plan_due(at(MONDAY, 7, 30)) == 0
        assert plan_due(at(MONDAY, 7, 31)) == 0
        assert plan_due(at(MONDAY, 12, 0)) == 0
        assert len(notices(Reason.MORNING)) == 1


def test_nothing_due_for_someone_tells_them_nothing(app):
    with app.app_context():
        wang = make_user("wang")
        [slide] = slides(1)
        checklist = daily_check(wang)
        make_inspection(slide, checklist, MONDAY)
        db.session.commit()
        assert plan_due(at(MONDAY, 9, 0)) == 0


def test_the_morning_on_a_closed_day_is_not_written(app):
    with app.app_context():
        wang = make_user("wang")
        slides(1)
        daily_check(wang, reminder=time(16))
        make_closed_period("春假", MONDAY, MONDAY)
        db.session.commit()
        assert plan_due(at(MONDAY, 17, 0)) == 0
        assert plan_due(at(TUESDAY, 7, 30)) == 1
        assert keys() == [f"morning:{wang.id}:2027-03-02"]


def test_a_morning_missed_while_the_worker_was_stopped_is_written_late_that_day_only(app):
    with app.app_context():
        wang = make_user("wang")
        slides(1)
        daily_check(wang)
        db.session.commit()
        assert plan_due(at(MONDAY, 14, 0)) == 1  # stopped from 07:00 to 14:00: late, once
        # Stopped again over Tuesday's morning: Wednesday does not tell Tuesday's.
        assert plan_due(at(WEDNESDAY, 7, 0)) == 0
        assert plan_due(at(WEDNESDAY, 7, 30)) == 1
        assert keys() == [f"morning:{wang.id}:2027-03-01", f"morning:{wang.id}:2027-03-03"]


def test_someone_with_no_email_and_no_mobile_is_still_told_and_the_chat_hears(app):
    app.config["MAIL_SERVER"] = "smtp.school.test"
    with app.app_context():
        unreachable = make_user("chen", email=None, mobile=None)
        chat = make_channel(reasons={Reason.MORNING})
        slides(1)
        daily_check(unreachable)
        db.session.commit()
        assert plan_due(at(MONDAY, 7, 30)) == 1
        [notice] = notices()
        assert notice.recipients == [unreachable]
        assert [d.recipient for d in notice.deliveries] == [f"channel:{chat.id}"]


def test_stand_ins_are_told_only_while_the_routines_people_are_away(app):
    with app.app_context():
        wang, li = make_user("wang"), make_user("li")
        slides(1)
        checklist = daily_check(wang)
        make_duty(checklist, li, stand_in=True)
        db.session.commit()
        plan_due(at(MONDAY, 7, 30))
        wang.active = False
        db.session.commit()
        plan_due(at(TUESDAY, 7, 30))
        assert keys(Reason.MORNING) == [
            f"morning:{wang.id}:2027-03-01", f"morning:{li.id}:2027-03-02"
        ]


def test_the_morning_time_is_the_schools_setting(app):
    with app.app_context():
        wang = make_user("wang")
        slides(1)
        daily_check(wang)
        settings.put(settings.MORNING_TIME, "06:45")
        db.session.commit()
        assert plan_due(at(MONDAY, 6, 44)) == 0
        assert plan_due(at(MONDAY, 6, 45)) == 1


# Not done yet


def test_a_reminder_goes_to_the_people_on_duty_while_a_check_is_open(app):
    with app.app_context():
        wang, li = make_user("wang", display_name="王丽"), make_user("li", display_name="李明")
        first, second = slides(2)
        checklist = daily_check(wang, li, reminder=time(16))
        make_inspection(first, checklist, MONDAY)
        db.session.commit()
        plan_due(at(MONDAY, 7, 30))

        assert plan_due(at(MONDAY, 15, 59)) == 0
        assert plan_due(at(MONDAY, 16, 0)) == 1
        [notice] = notices(Reason.REMINDER)
        assert notice.key == f"reminder:{checklist.id}:2027-03-01"
        assert notice.checklist == checklist
        assert notice.recipients == [wang, li]
        assert notice.facts == {
            "routine": {"zh": "滑梯每日检查", "en": "Daily slide check"},
            "date": "2027-03-01",
            "open": 1,
            "assets": [{"name": {"zh": "滑梯 2", "en": "Slide 2"}, "code": second.code}],
            "people": ["王丽", "李明"],
        }
        assert plan_due(at(MONDAY, 16, 1)) == 0


def test_no_reminder_once_every_check_is_done(app):
    with app.app_context():
        wang = make_user("wang")
        [slide] = slides(1)
        checklist = daily_check(wang, reminder=time(16))
        make_inspection(slide, checklist, MONDAY)
        db.session.commit()
        assert plan_due(at(MONDAY, 16, 0)) == 0


def test_no_reminder_on_a_day_the_routine_is_not_due(app):
    with app.app_context():
        make_user("wang")
        slides(1)
        checklist = weekly_check(user("wang"), grace_days=3)
        checklist.reminder_time = time(16)
        db.session.commit()
        plan_due(at(MONDAY, 16, 0))
        plan_due(at(TUESDAY, 16, 0))  # still due (grace), but not due today
        assert keys(Reason.REMINDER) == [f"reminder:{checklist.id}:2027-03-01"]


def test_a_reminder_missed_while_the_worker_was_stopped_is_written_late_once(app):
    with app.app_context():
        wang = make_user("wang")
        slides(1)
        checklist = daily_check(wang, reminder=time(16))
        db.session.commit()
        assert plan_due(at(MONDAY, 7, 30)) == 1
        # Stopped from 15:00 to 18:00.
        assert plan_due(at(MONDAY, 18, 0)) == 1
        assert plan_due(at(MONDAY, 18, 1)) == 0
        # Stopped over Tuesday afternoon: Wednesday morning does not remind of Tuesday.
        plan_due(at(WEDNESDAY, 9, 0))
        assert keys(Reason.REMINDER) == [f"reminder:{checklist.id}:2027-03-01"]


def test_a_routine_naming_nobody_still_reminds_the_chats(app):
    with app.app_context():
        chat = make_channel(reasons={Reason.REMINDER})
        slides(1)
        checklist = daily_check(reminder=time(16))
        db.session.commit()
        assert plan_due(at(MONDAY, 16, 0)) == 1
        [notice] = notices()
        assert notice.reason == Reason.REMINDER and notice.checklist == checklist
        assert notice.recipients == []
        assert notice.facts["people"] == []
        assert [d.recipient for d in notice.deliveries] == [f"channel:{chat.id}"]


# Overdue


def test_an_overdue_check_tells_the_admins_once_per_due_date(app):
    with app.app_context():
        wang = make_user("wang", display_name="王丽")
        deputy = make_user("deputy", Role.ADMIN, password=None)
        make_user("former", Role.ADMIN, password=None, active=False)
        first, second = slides(2)
        checklist = weekly_check(wang)
        make_inspection(first, checklist, MONDAY)
        db.session.commit()

        plan_due(at(MONDAY, 23, 0))  # due today, not overdue
        plan_due(at(TUESDAY, 7, 0))  # overdue since midnight: told in the morning
        assert notices(Reason.OVERDUE) == []
        plan_due(at(TUESDAY, 7, 30))
        [overdue] = notices(Reason.OVERDUE)
        assert overdue.key == f"overdue:{checklist.id}:2027-03-01"
        assert overdue.checklist == checklist
        assert overdue.recipients == [user("admin"), deputy]
        assert overdue.facts == {
            "routine": {"zh": "大型玩具每周检查", "en": "Weekly large toy check"},
            "due_date": "2027-03-01",
            "overdue": 1,
            "assets": [{"name": {"zh": "滑梯 2", "en": "Slide 2"}, "code": second.code}],
            "people": ["王丽"],
        }
        [summary] = notices(Reason.OVERDUE_SUMMARY)
        assert summary.key == "overdue_summary:2027-03-02"
        assert summary.facts["routines"] == [
            {"name": {"zh": "大型玩具每周检查", "en": "Weekly large toy check"}, "overdue": 1,
             "people": ["王丽"]}
        ]

        plan_due(at(WEDNESDAY, 7, 30))  # the summary again, not the overdue
        assert len(notices(Reason.OVERDUE)) == 1
        assert keys(Reason.OVERDUE_SUMMARY) == [
            "overdue_summary:2027-03-02", "overdue_summary:2027-03-03"
        ]
        make_inspection(second, checklist, WEDNESDAY)
        db.session.commit()
        plan_due(at(WEDNESDAY + timedelta(days=1), 7, 30))
        assert len(notices(Reason.OVERDUE_SUMMARY)) == 2


def test_an_overdue_check_is_told_even_after_days_with_the_worker_stopped(app):
    with app.app_context():
        slides(1)
        checklist = weekly_check()
        db.session.commit()
        assert plan_due(at(FRIDAY, 10, 0)) == 2
        assert keys(Reason.OVERDUE) == [f"overdue:{checklist.id}:2027-03-01"]


def test_the_grace_days_put_off_overdue(app):
    with app.app_context():
        slides(1)
        weekly_check(grace_days=2)
        db.session.commit()
        assert plan_due(at(WEDNESDAY, 9, 0)) == 0
        assert plan_due(at(WEDNESDAY + timedelta(days=1), 9, 0)) == 2


def test_nothing_is_overdue_while_the_school_is_closed(app):
    with app.app_context():
        slides(1)
        weekly_check()
        make_closed_period("春假", TUESDAY, FRIDAY)
        db.session.commit()
        assert plan_due(at(WEDNESDAY, 9, 0)) == 0
        assert plan_due(at(FRIDAY + timedelta(days=3), 9, 0)) == 0  # Monday again: due


# The week in numbers


def test_the_week_in_numbers_goes_to_the_admins_on_friday_afternoon(app):
    with app.app_context():
        first, second = slides(2)
        checklist = weekly_check()
        make_inspection(first, checklist, MONDAY)
        make_fault_at(FaultStatus.REPAIRED, asset=first, done_at=at(TUESDAY, 10),
                      at=at(MONDAY, 10))
        make_staff_report(second, urgency=Urgency.UNSAFE, at=at(TUESDAY, 9))
        make_staff_report(second, at=at(MONDAY - timedelta(days=3), 9))  # last week
        db.session.commit()
        plan_due(at(FRIDAY, 9, 0))

        plan_due(at(FRIDAY - timedelta(days=1), 16, 0))
        plan_due(at(FRIDAY, 15, 59))
        assert notices(Reason.WEEK) == []
        assert plan_due(at(FRIDAY, 16, 0)) == 1
        [notice] = notices(Reason.WEEK)
        assert notice.key == "week:2027-W09"
        assert notice.recipients == [user("admin")]
        assert notice.facts == {
            "week": "2027-W09",
            "checks": {"done": 1, "due": 0, "overdue": 1},
            "faults": {"reported": 2, "repaired": 1, "unsafe_open": 1},
        }
        assert plan_due(at(FRIDAY, 18, 0)) == 0


def test_the_week_time_is_the_schools_setting(app):
    with app.app_context():
        settings.put(settings.WEEK_TIME, "12:00")
        db.session.commit()
        assert plan_due(at(FRIDAY, 11, 59)) == 0
        assert plan_due(at(FRIDAY, 12, 0)) == 1


# Nobody left to do it


def test_a_routine_whose_people_were_all_disabled_tells_the_admins_once(app):
    with app.app_context():
        wang = make_user("wang", display_name="王丽")
        li = make_user("li", display_name="李明")
        slides(1)
        checklist = weekly_check(wang)
        make_duty(checklist, li, stand_in=True)
        db.session.commit()
        assert plan_due(at(TUESDAY, 7, 0)) == 0

        wang.active = li.active = False
        db.session.commit()
        assert plan_due(at(TUESDAY, 7, 1)) == 1
        assert plan_due(at(TUESDAY, 7, 2)) == 0
        [notice] = notices(Reason.NOBODY_ON_DUTY)
        assert notice.key == f"nobody_on_duty:{checklist.id}:{wang.id},{li.id}"
        assert notice.recipients == [user("admin")]
        assert notice.facts == {
            "routine": {"zh": "大型玩具每周检查", "en": "Weekly large toy check"},
            "people": ["王丽", "李明"],
        }

        # Someone else named, and disabled in turn: told again.
        zhao = make_user("zhao", active=False)
        make_duty(checklist, zhao)
        db.session.commit()
        assert plan_due(at(TUESDAY, 7, 3)) == 1


def test_a_routine_naming_nobody_is_not_left_without_anyone(app):
    with app.app_context():
        slides(1)
        weekly_check()
        db.session.commit()
        assert plan_due(at(MONDAY, 7, 0)) == 0


def test_a_long_list_of_people_still_makes_a_key_that_fits(app):
    with app.app_context():
        slides(1)
        checklist = weekly_check(*(make_user(f"p{n}", active=False) for n in range(40)))
        db.session.commit()
        assert plan_due(at(MONDAY, 7, 0)) == 1
        [key] = keys()
        assert key.startswith(f"nobody_on_duty:{checklist.id}:") and len(key) == 120
        assert plan_due(at(MONDAY, 7, 1)) == 0


# Time zones


def test_the_times_follow_the_schools_clock_across_a_daylight_saving_change(app):
    set_school(app, timezone="Europe/Berlin")
    with app.app_context():
        wang = make_user("wang")
        slides(1)
        daily_check(wang)
        db.session.commit()
        before, after = date(2027, 3, 26), date(2027, 3, 29)  # Friday CET, Monday CEST
        assert plan_due(datetime(2027, 3, 26, 6, 29)) == 0
        assert plan_due(datetime(2027, 3, 26, 6, 30)) == 1  # 07:30 CET
        assert plan_due(datetime(2027, 3, 29, 5, 29)) == 0
        assert plan_due(datetime(2027, 3, 29, 5, 30)) == 1  # 07:30 CEST
        assert keys() == [
            f"morning:{wang.id}:{before.isoformat()}", f"morning:{wang.id}:{after.isoformat()}"
        ]


def test_the_schools_day_is_its_own_not_utcs(app):
    with app.app_context():
        wang = make_user("wang")
        slides(1)
        daily_check(wang)
        db.session.commit()
        # 07:30 on Monday in Shanghai is 23:30 on Sunday in UTC.
        assert plan_due(datetime(2027, 2, 28, 23, 30)) == 1
        assert keys() == [f"morning:{wang.id}:2027-03-01"]


# Running every minute


def test_a_run_costs_the_same_queries_however_much_there_is(app):
    def queries():
        with QueryCounter(db.engine) as counter:
            plan_due(at(FRIDAY, 17, 0))
        return len(counter)

    with app.app_context():
        slides(1)
        daily_check(make_user("wang"), reminder=time(16))
        weekly_check(make_user("li"))
        make_user("deputy", Role.ADMIN, password=None)
        db.session.commit()
        plan_due(at(FRIDAY, 17, 0))
        few = queries()

        slides(20)
        for n in range(5):
            daily_check(*(make_user(f"u{n}-{m}") for m in range(3)), reminder=time(16))
            weekly_check(make_user(f"w{n}", active=False))
        db.session.commit()
        plan_due(at(FRIDAY, 17, 0))
        assert queries() == few


def test_two_workers_at_once_write_each_notice_once(app, monkeypatch):
    """The other worker commits the same key between this one's look and its commit."""
    with app.app_context():
        wang = make_user("wang")
        slides(1)
        daily_check(wang)
        db.session.commit()
        key = f"morning:{wang.id}:2027-03-01"
        real_write = writing.write
        raced = []

        def write_while_the_other_worker_commits(reason, **fields):
            notice = real_write(reason, **fields)
            if not raced:
                raced.append(True)
                with db.engine.begin() as other:
                    other.execute(sa.insert(Notice).values(
                        reason=Reason.MORNING, key=key, facts={}, created_at=at(MONDAY, 7, 30)
                    ))
            return notice

        monkeypatch.setattr(planning.writing, "write", write_while_the_other_worker_commits)
        assert plan_due(at(MONDAY, 7, 30)) == 0
        assert raced and keys() == [key]


@pytest.mark.parametrize(
    ("stored", "expected"),
    [(None, time(7, 30)), ("06:05", time(6, 5)), ("6:05", time(6, 5)), (" 23:59 ", time(23, 59)),
     ("24:00", time(7, 30)), ("7.30", time(7, 30)), ("", time(7, 30)), ("07:3", time(7, 30)),
     ("０７:３０", time(7, 30)), ("07:30:00", time(7, 30)), ("-1:30", time(7, 30))],
)
def test_the_morning_time_falls_back_to_its_default_when_malformed(app, stored, expected):
    with app.app_context():
        if stored is not None:
            settings.put(settings.MORNING_TIME, stored)
        assert settings.morning_time() == expected


def test_the_week_time_defaults_to_four_in_the_afternoon(app):
    with app.app_context():
        assert settings.week_time() == time(16)
        settings.put(settings.WEEK_TIME, "25:00")
        assert settings.week_time() == time(16)
        settings.put(settings.WEEK_TIME, "15:30")
        assert settings.week_time() == time(15, 30)
