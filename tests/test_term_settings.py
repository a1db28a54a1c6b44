"""The logistics head sets the days the school's terms start on, on the dashboard settings page.

Wednesday 25 November 2026 is "today" throughout: with the default starts (1 September,
1 February) it is in the 2026–2027 autumn term.
"""

import re
from datetime import date

import pytest

from app import routines, settings
from app.reports import views as report_views
from app.terms import AUTUMN_START, SPRING_START, TermStarts, term_starts

TODAY = date(2026, 11, 25)
URL = "/dashboard/settings"
SAVED = {"reading_rise_share": "20", "autumn_month": "10", "autumn_day": "15",
         "spring_month": "3", "spring_day": "1"}


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(routines, "today", lambda: TODAY)
    monkeypatch.setattr(report_views, "school_today", lambda: TODAY)


def posted(**changes):
    return {**SAVED, **changes}


def stored(app):
    with app.app_context():
        return settings.get(AUTUMN_START), settings.get(SPRING_START)


def text_of(response):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def test_the_page_shows_the_starts_in_use_and_this_term(client, auth):
    auth.login()
    page = client.get(URL).get_data(as_text=True)
    assert re.search(r'name="autumn_month">.*?<option selected value="9">September</option>',
                     page, re.S)
    assert re.search(r'name="spring_month">.*?<option selected value="2">February</option>',
                     page, re.S)
    assert 'id="autumn_day" inputmode="numeric" maxlength="2" name="autumn_day" size="2" ' \
           'type="text" value="1"' in page
    assert "This term: 2026–2027 autumn term, 1 Sep 2026 to 31 Jan 2027." in text_of(
        client.get(URL)
    )


def test_saving_stores_the_starts_and_shows_the_term_they_make(app, client, auth):
    auth.login()
    response = client.post(URL, data=posted(autumn_day=" 15 "))
    assert response.status_code == 303 and response.headers["Location"].endswith(URL)
    assert stored(app) == ("10-15", "03-01")
    with app.app_context():
        assert term_starts() == TermStarts(autumn=(10, 15), spring=(3, 1))
    page = text_of(client.get(URL))
    assert "Settings saved." in page
    assert "This term: 2026–2027 autumn term, 15 Oct 2026 to 28 Feb 2027." in page
    assert 'value="15"' in client.get(URL).get_data(as_text=True)


def test_saving_again_overwrites_the_stored_starts(app, client, auth):
    auth.login()
    client.post(URL, data=posted())
    assert client.post(URL, data=posted(autumn_month="8", autumn_day="31")).status_code == 303
    assert stored(app) == ("08-31", "03-01")


def test_the_dashboard_and_the_reports_count_over_the_new_term(app, client, auth):
    auth.login()
    assert "Tue 1 Sep to Wed 25 Nov" in text_of(client.get("/"))
    client.post(URL, data=posted())
    assert "2026–2027 autumn term, Thu 15 Oct to Wed 25 Nov" in text_of(client.get("/"))
    picker = client.get("/reports/").get_data(as_text=True)
    assert 'value="2026-10-15"' in picker and 'value="2026-03-01"' in picker
    assert 'value="2026-09-01"' not in picker
    report = client.get("/reports/report?period=term&term=2026-10-15")
    assert report.status_code == 200
    assert "2026–2027 autumn term" in text_of(report)


BAD_STARTS = [
    # (what is posted, the field marked, its message)
    ({"autumn_day": "31", "autumn_month": "9"}, "autumn_day",
     "Type a day from 1 to 30: September has 30 days."),
    ({"spring_day": "29", "spring_month": "2"}, "spring_day",
     "29 February is not in every year: choose 28 February or 1 March, "
     "so the term starts on the same day each year."),
    ({"spring_day": "30", "spring_month": "2"}, "spring_day",
     "Type a day from 1 to 28: February has 28 days."),
    ({"autumn_day": "0"}, "autumn_day", "Type a day from 1 to 31: October has 31 days."),
    ({"autumn_day": "-1"}, "autumn_day", "Type a day from 1 to 31: October has 31 days."),
    ({"autumn_day": "first"}, "autumn_day", "Type a day from 1 to 31: October has 31 days."),
    ({"autumn_day": "1.5"}, "autumn_day", "Type a day from 1 to 31: October has 31 days."),
    ({"autumn_day": "１５"}, "autumn_day", "Type a day from 1 to 31: October has 31 days."),
    ({"autumn_day": "10-15"}, "autumn_day", "Type a day from 1 to 31: October has 31 days."),
    ({"autumn_day": "9" * 5000}, "autumn_day", "Type a day from 1 to 31: October has 31 days."),
    ({"autumn_day": "<script>alert(1)</script>"}, "autumn_day",
     "Type a day from 1 to 31: October has 31 days."),
    ({"autumn_day": "1'; DROP TABLE settings; --"}, "autumn_day",
     "Type a day from 1 to 31: October has 31 days."),
    ({"autumn_day": ""}, "autumn_day", "Type the day of the month the term starts on, e.g. 1."),
    ({"autumn_day": "   "}, "autumn_day",
     "Type the day of the month the term starts on, e.g. 1."),
    ({"autumn_month": ""}, "autumn_month", "Choose a month from the list."),
    ({"autumn_month": "13"}, "autumn_month", "Choose a month from the list."),
    ({"autumn_month": "09"}, "autumn_month", "Choose a month from the list."),
    ({"spring_month": "<b>2</b>"}, "spring_month", "Choose a month from the list."),
    ({"spring_month": "2" * 5000}, "spring_month", "Choose a month from the list."),
    # Spring on or after autumn: the terms would overlap.
    ({"spring_month": "10", "spring_day": "15"}, "spring_month",
     "The spring term must start earlier in the year than the autumn term, "
     "e.g. 1 February and 1 September."),
    ({"spring_month": "11", "spring_day": "1"}, "spring_month",
     "The spring term must start earlier in the year than the autumn term, "
     "e.g. 1 February and 1 September."),
    ({"autumn_month": "1", "autumn_day": "31"}, "spring_month",
     "The spring term must start earlier in the year than the autumn term, "
     "e.g. 1 February and 1 September."),
]


@pytest.mark.parametrize(("changes", "marked", "message"), BAD_STARTS)
def test_bad_starts_are_refused_with_the_reason_and_kept(app, client, auth, changes, marked,
                                                         message):
    auth.login()
    response = client.post(URL, data=posted(**changes))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Please correct the marked fields." in page
    assert page.count('role="alert">') == 2  # the form's notice and the one reason
    assert f'<small class="error" role="alert">{message}</small>' in page
    assert re.search(rf'<div class="field[^"]* has-error">\s*<label for="{marked}"', page)
    assert "<script>alert" not in page and "<b>2</b>" not in page
    typed_day = posted(**changes)["autumn_day"].strip()
    if typed_day and len(typed_day) < 100:
        assert f'name="autumn_day" size="2" type="text" value="{escape(typed_day)}"' in page
    assert stored(app) == (None, None)
    assert "This term: 2026–2027 autumn term, 1 Sep 2026 to 31 Jan 2027." in text_of(response)


def test_a_missing_field_is_refused(app, client, auth):
    auth.login()
    data = posted()
    del data["spring_day"], data["autumn_month"]
    page = client.post(URL, data=data).get_data(as_text=True)
    assert "Choose a month from the list." in page
    assert "Type the day of the month the term starts on, e.g. 1." in page
    assert stored(app) == (None, None)


def test_a_bad_share_keeps_the_terms_typed_and_stores_nothing(app, client, auth):
    auth.login()
    response = client.post(URL, data=posted(reading_rise_share="0"))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert '<option selected value="10">October</option>' in page
    assert 'value="15"' in page
    assert stored(app) == (None, None)
    with app.app_context():
        assert settings.get(settings.READING_RISE_SHARE) is None


def test_the_messages_and_the_term_in_chinese(app, client, auth):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    auth.login()
    page = text_of(client.get(URL))
    assert "第一学期（秋季）开始于" in page and "第二学期（春季）开始于" in page
    assert "本学期：2026—2027学年第一学期" in page
    assert "九月" in client.get(URL).get_data(as_text=True)
    refused = client.post(URL, data=posted(spring_month="2", spring_day="29", autumn_day="32"))
    text = text_of(refused)
    assert "并非每年都有 2 月 29 日" in text
    assert "请输入 1 到 31 之间的日期：十月只有 31 天。" in text
    overlapping = text_of(client.post(URL, data=posted(spring_month="12")))
    assert "第二学期（春季）的开始日期在一年中必须早于第一学期（秋季）" in overlapping
    assert stored(app) == (None, None)


# Who may change them.


@pytest.mark.parametrize("username", ["inspector", "repairer"])
def test_only_admins_may_change_the_terms(app, client, auth, username):
    auth.login(username)
    assert client.get(URL).status_code == 403
    assert client.post(URL, data=posted()).status_code == 403
    assert stored(app) == (None, None)


def test_signed_out_is_sent_to_sign_in_and_nothing_is_stored(app, client):
    for response in (client.get(URL), client.post(URL, data=posted())):
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert stored(app) == (None, None)


def test_saving_needs_the_csrf_token(csrf_app):
    client = csrf_app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    login = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"username": "admin", "password": "correct horse",
                                "csrf_token": csrf_token(login)})
    assert client.post(URL, data=posted()).status_code == 400
    assert client.post(URL, data=posted(csrf_token="not-a-token")).status_code == 400
    assert stored(csrf_app) == (None, None)
    token = csrf_token(client.get(URL).get_data(as_text=True))
    assert client.post(URL, data=posted(csrf_token=token)).status_code == 303
    assert stored(csrf_app) == ("10-15", "03-01")


def csrf_token(page):
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def escape(text):
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        .replace('"', "&#34;").replace("'", "&#39;")
    )
