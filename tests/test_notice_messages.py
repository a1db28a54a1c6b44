"""What each notice says: short, in the reader's language, with the page to act on."""

import pytest

from app.models import Notice, Reason
from app.notices.messages import render

SWING = {
    "asset": {"zh": "秋千", "en": "Swing"},
    "code": "SW-1",
    "place": {"zh": "东校区 › 操场", "en": "East campus › Playground"},
    "description": "座板开裂",
    "urgency": "unsafe",
}
SLIDE_CHECK = {"zh": "滑梯每周检查", "en": "Weekly slide check"}


def assets(count):
    return [{"name": {"zh": f"滑梯 {n}", "en": f"Slide {n}"}, "code": f"S-{n}"}
            for n in range(1, count + 1)]


def said(app, reason, facts, language, **notice):
    with app.app_context():
        return render(Notice(reason=reason, facts=facts, **notice), language)


@pytest.mark.parametrize(
    ("reason", "english", "chinese"),
    [
        (Reason.UNSAFE, "Unsafe: Swing", "【危险】秋千"),
        (Reason.ASSIGNED, "A repair job for you: Swing", "新的维修任务：秋千"),
        (Reason.TO_ACCEPT, "Repaired, to accept: Swing", "维修完毕，待验收：秋千"),
        (Reason.REOPENED, "Repair sent back: Swing", "维修被退回：秋千"),
    ],
)
def test_a_faults_notice_names_it_and_links_its_page(app, reason, english, chinese):
    en = said(app, reason, SWING, "en", fault_id=7)
    assert en.title == english
    assert en.lines == ("East campus › Playground · SW-1", "座板开裂", "Unsafe now")
    assert en.link == "http://patrol.test/faults/7"
    zh = said(app, reason, SWING, "zh", fault_id=7)
    assert zh.title == chinese
    assert zh.lines[0] == "东校区 › 操场 · SW-1"
    assert zh.link == en.link


def test_a_repair_sent_back_says_why(app):
    message = said(app, Reason.REOPENED, SWING | {"why": "还在晃"}, "en", fault_id=7)
    assert message.lines[-1] == "Why: 还在晃"
    assert said(app, Reason.REOPENED, SWING | {"why": "还在晃"}, "zh", fault_id=7).lines[-1] == (
        "原因：还在晃"
    )


def test_an_unknown_language_reads_chinese(app):
    assert said(app, Reason.UNSAFE, SWING, "fr", fault_id=7).title == "【危险】秋千"


def test_the_morning_lists_the_routines_to_check_and_links_today(app):
    facts = {"date": "2027-03-01", "routines": [
        {"name": SLIDE_CHECK, "to_check": 3, "overdue": 1},
        {"name": {"zh": "消防栓", "en": "Hydrants"}, "to_check": 1, "overdue": 0},
    ]}
    en = said(app, Reason.MORNING, facts, "en")
    assert en.title == "Your checks for today"
    assert en.lines == ("Weekly slide check: 3 to check (1 overdue)", "Hydrants: 1 to check")
    assert en.link == "http://patrol.test/today"
    zh = said(app, Reason.MORNING, facts, "zh")
    assert zh.title == "今天的检查"
    assert zh.lines == ("滑梯每周检查：3 项待检查 （1 项逾期）", "消防栓：1 项待检查")


def test_a_reminder_lists_a_few_open_checks_and_who_is_on_duty(app):
    facts = {"routine": SLIDE_CHECK, "date": "2027-03-01", "open": 7, "assets": assets(7),
             "people": ["王丽", "李明"]}
    en = said(app, Reason.REMINDER, facts, "en", checklist_id=3)
    assert en.title == "Not done yet: Weekly slide check"
    assert en.lines == (
        "7 checks still open today",
        "· Slide 1 (S-1)", "· Slide 2 (S-2)", "· Slide 3 (S-3)", "· Slide 4 (S-4)",
        "· Slide 5 (S-5)",
        "and 2 more",
        "On duty: 王丽, 李明",
    )
    assert en.link == "http://patrol.test/today"
    zh = said(app, Reason.REMINDER, facts, "zh", checklist_id=3)
    assert zh.title == "尚未完成：滑梯每周检查"
    assert zh.lines[1] == "· 滑梯 1 (S-1)"
    assert zh.lines[-1] == "负责人：王丽、李明"


def test_a_routine_naming_nobody_says_it_is_everyones(app):
    facts = {"routine": SLIDE_CHECK, "date": "2027-03-01", "open": 1, "assets": assets(1),
             "people": []}
    assert said(app, Reason.REMINDER, facts, "en").lines[-1] == (
        "Nobody is named for it: it is everyone's."
    )


def test_overdue_says_since_when_and_links_the_overdue_checks(app):
    facts = {"routine": SLIDE_CHECK, "due_date": "2027-03-01", "overdue": 2,
             "assets": assets(2), "people": ["王丽"]}
    en = said(app, Reason.OVERDUE, facts, "en", checklist_id=3)
    assert en.title == "Overdue: Weekly slide check"
    assert en.lines == ("Due on 1 Mar 2027", "· Slide 1 (S-1)", "· Slide 2 (S-2)",
                        "On duty: 王丽")
    assert en.link == "http://patrol.test/dashboard/checks?routine=3&state=overdue"
    zh = said(app, Reason.OVERDUE, facts, "zh", checklist_id=3)
    assert zh.title == "已逾期：滑梯每周检查"
    assert zh.lines[0] == "应于 2027年3月1日 完成"


def test_the_overdue_summary_lists_each_routine(app):
    facts = {"date": "2027-03-02", "routines": [
        {"name": SLIDE_CHECK, "overdue": 2, "people": ["王丽"]},
        {"name": {"zh": "消防栓", "en": "Hydrants"}, "overdue": 1, "people": []},
    ]}
    en = said(app, Reason.OVERDUE_SUMMARY, facts, "en")
    assert en.title == "Still overdue this morning"
    assert en.lines == ("Weekly slide check: 2 overdue (王丽)", "Hydrants: 1 overdue")
    assert en.link == "http://patrol.test/dashboard/checks?state=overdue"
    assert said(app, Reason.OVERDUE_SUMMARY, facts, "zh").lines[1] == "消防栓：1 项逾期"


def test_the_week_in_numbers_links_the_dashboard(app):
    facts = {"week": "2027-W09", "checks": {"done": 40, "due": 2, "overdue": 1},
             "faults": {"reported": 5, "repaired": 3, "unsafe_open": 1}}
    en = said(app, Reason.WEEK, facts, "en")
    assert en.title == "The week in numbers (2027-W09)"
    assert en.lines == (
        "Checks: 40 done, 2 due, 1 overdue",
        "Faults: 5 reported, 3 repaired, 1 unsafe still open",
    )
    assert en.link == "http://patrol.test/"
    assert said(app, Reason.WEEK, facts, "zh").title == "本周数据（2027-W09）"


def test_nobody_on_duty_links_the_routines_page(app):
    facts = {"routine": SLIDE_CHECK, "people": ["王丽", "李明"]}
    en = said(app, Reason.NOBODY_ON_DUTY, facts, "en", checklist_id=3)
    assert en.title == "Nobody left to do: Weekly slide check"
    assert en.lines[0] == "Everyone named on it has been disabled: 王丽, 李明."
    assert en.link == "http://patrol.test/checklists/3/edit"
    assert said(app, Reason.NOBODY_ON_DUTY, facts, "zh", checklist_id=3).title == (
        "无人负责：滑梯每周检查"
    )


def test_every_reason_has_a_message(app):
    from app.notices.messages import _WRITERS

    assert set(_WRITERS) == set(Reason)
