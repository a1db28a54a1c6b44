"""Hostile values on every route: nothing anyone can send may answer 5xx.

Like tests/test_security.py, the walk reads the URL map, so routes added later are walked
too. For every route, as every role (signed out, inspector, repairer, admin), it sends the
route's own form as the app renders it, so the values get past the first check and reach
the code, with fields dropped or replaced by hostile values: numbers too large for the
database or for Python's dates, negative, empty, of the wrong type, full-width, NUL bytes,
very long text, impossible dates. Query strings get the names the pages' links and filter
forms use. Any 5xx, or an exception, fails the test with the route, role and values.

Hypothesis draws the values. The normal suite runs a quick profile; `PATROL_FUZZ=deep` runs
many more examples.
"""

import os
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

import pytest
import sqlalchemy as sa
from flask import request, url_for
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from app import settings as school_settings
from app.auth import sign_ins
from app.demo.seed import seed_demo
from app.extensions import db
from app.faults.views import ACTIONS
from app.models import ChecklistItem, Fault, FaultStatus, Inspection, Place, User
from tests.factories import make_user
from tests.test_security import VARIABLE

settings.register_profile(
    "quick",
    max_examples=1,
    deadline=None,
    database=None,
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
)
settings.register_profile("deep", settings.get_profile("quick"), max_examples=60)
PROFILE = settings.get_profile(os.environ.get("PATROL_FUZZ", "quick"))

ROLES = (None, "inspector", "repairer", "admin")
SKIPPED = {"static", "auth.logout"}
SPARE_USER = "spare"
# Each request draws one class of hostile value for the fields it replaces.
HOSTILE_CLASSES = {
    "too large": st.one_of(
        st.sampled_from((10**20, 2**31, 2**63, -(10**20), -(2**31) - 1)),
        st.integers(min_value=2**31),
    ).map(str),
    "small or negative": st.integers(-3, 3).map(str),
    "empty": st.sampled_from(("", " ", "\t", "\r\n")),
    "wrong type": st.sampled_from(("abc", "1.5", "1e9", "NaN", "-", "true", "[]", "%", "'")),
    "full-width": st.text(alphabet="０１２３４５６７８９＝＋－＠．／：", min_size=1, max_size=8),
    "NUL": st.text(max_size=6).map(lambda text: text + "\x00"),
    "very long": st.sampled_from(("a" * 10_001, "雨" * 5_000, "9" * 5_000)),
    "date": st.one_of(
        st.sampled_from(
            ("9999-12-31", "9999-12", "0001-01-01", "0001-01", "0000-00-00", "2026-02-30",
             "10000-01-01", "2026-13", "12-31", "02-29", "2026年2月", "20261301")
        ),
        st.dates().map(date.isoformat),
        st.integers(0, 99999).map(lambda year: f"{year}-01"),
    ),
    "unicode": st.text(min_size=1, max_size=30),
}
classes = st.sampled_from(sorted(HOSTILE_CLASSES))
# What a field becomes: kept as the page rendered it, left out, or given a hostile value.
KEEP, DROP = object(), object()


@dataclass
class Form:
    method: str
    path: str
    fields: dict[str, str] = field(default_factory=dict)


class FormReader(HTMLParser):
    """The forms on a page, with the values a browser would send, and the links' query names."""

    def __init__(self, page_path):
        super().__init__()
        self.page_path = page_path
        self.forms: list[Form] = []
        self.query_names: dict[str, set[str]] = {}
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        form = self.forms[-1] if self.forms else None
        if tag == "form":
            action = urlsplit(attrs.get("action") or self.page_path)
            self.forms.append(Form(attrs.get("method", "get").upper(), action.path or "/"))
            self._note_query(action)
        elif tag == "a" and attrs.get("href"):
            self._note_query(urlsplit(attrs["href"]))
        elif form is None or not attrs.get("name"):
            return
        elif tag in ("input", "button"):
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in attrs or kind == "file":
                return
            form.fields.setdefault(attrs["name"], attrs.get("value") or "")
        elif tag == "select":
            self._select = attrs["name"]
        elif tag == "option" and self._select:
            if self._select not in form.fields or "selected" in attrs:
                form.fields[self._select] = attrs.get("value") or ""
        elif tag == "textarea":
            self._textarea = attrs["name"]
            form.fields[self._textarea] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self.forms:
            self.forms[-1].fields[self._textarea] += data

    def _note_query(self, address):
        if address.query:
            names = self.query_names.setdefault(address.path or self.page_path, set())
            names.update(name for name, _ in parse_qsl(address.query, keep_blank_values=True))


@dataclass
class Target:
    endpoint: str
    method: str
    url: str


@dataclass
class School:
    """The demo kindergarten: the routes to walk, and the forms and link queries they take."""

    targets: list[Target]
    forms: dict[tuple[str, str], dict[str, str]]
    query_names: dict[str, set[str]]
    user_ids: dict[str, int]
    ids: dict = field(default_factory=dict)


def path_values(rule, school_ids):
    values = {}
    for converter, name in VARIABLE.findall(rule.rule):
        if name in (rule.defaults or {}):
            continue
        if name == "user_id":
            values[name] = school_ids["user"]
        elif converter == "int":
            values[name] = school_ids.get(name, 1)
        elif name == "code":
            values[name] = school_ids["code"]
        elif name == "fmt":
            values[name] = "svg"
        elif name == "token":
            values[name] = school_ids["token"]
        else:
            values[name] = "x"
    return values


def walked_targets(app, school_ids):
    targets = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if rule.endpoint in SKIPPED:
                continue
            values = path_values(rule, school_ids)
            variants = (
                [{**values, "action": action} for action in ACTIONS]
                if "action" in values
                else [values]
            )
            for each in variants:
                url = url_for(rule.endpoint, **each)
                for method in sorted(rule.methods & {"GET", "POST"}):
                    targets.append(Target(rule.endpoint, method, url))
    return targets


def client_as(app, username, user_ids):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    if username is not None:
        with app.app_context():
            # Signed in without the sign-in form, whose limits the walk would run into.
            user = db.session.get(User, user_ids[username])
            session_id = sign_ins.start(user, "walk").token
            db.session.commit()
        with client.session_transaction() as session:
            session["_user_id"] = session_id
            session["_fresh"] = True
    return client


def build_school(app):
    with app.app_context():
        seed_demo()
        make_user(SPARE_USER, password=None)
        db.session.commit()
        user_ids = dict(db.session.execute(sa.select(User.username, User.id)).all())
        # An inspection names an asset and a routine that fit, so their forms open.
        inspection = db.session.scalar(sa.select(Inspection).order_by(Inspection.id))
        item = db.session.scalar(
            sa.select(ChecklistItem).where(ChecklistItem.version_id == inspection.version_id)
        )
        fault = db.session.scalar(sa.select(Fault).order_by(Fault.id))
        place_id = db.session.scalar(sa.select(sa.func.min(Place.id)))
        school_ids = {
            "user": user_ids[SPARE_USER],
            "code": inspection.asset.code,
            "asset_id": inspection.asset_id,
            "checklist_id": inspection.checklist_id,
            "item_id": item.id,
            "inspection_id": inspection.id,
            "fault_id": fault.id,
            "token": fault.public_token or "x",
        }
    admin = client_as(app, "admin", user_ids)
    admin.post("/stocktakes/new", data={"place": str(place_id), "client_id": "walk-the-pages"})
    targets = walked_targets(app, school_ids)
    # The admin sees every form: the other roles' forms are among the admin's.
    forms, query_names = {}, {}
    for target in targets:
        if target.method != "GET":
            continue
        response = admin.get(target.url)
        if not response.content_type.startswith("text/html"):
            continue
        reader = FormReader(urlsplit(target.url).path)
        reader.feed(response.get_data(as_text=True))
        for form in reader.forms:
            forms.setdefault((form.method, form.path), form.fields)
        for path, names in reader.query_names.items():
            query_names.setdefault(path, set()).update(names)
    return School(targets, forms, query_names, user_ids, school_ids)


@pytest.fixture
def school(app):
    return build_school(app)


def hostile_fields(data, baseline):
    """The baseline with each field kept, dropped or given a value of one hostile class."""
    fates = st.one_of(st.just(KEEP), st.just(DROP), HOSTILE_CLASSES[data.draw(classes)])
    sent = {}
    for name, value in baseline.items():
        fate = data.draw(fates)
        if fate is KEEP:
            sent[name] = value
        elif fate is not DROP:
            sent[name] = fate
    return sent


def request_for(school, target, data):
    """The path and the hostile query or form sent to it."""
    path = urlsplit(target.url).path
    if target.method == "GET":
        names = school.query_names.get(path, set()) | set(school.forms.get(("GET", path), {}))
        return path, hostile_fields(data, dict.fromkeys(sorted(names), ""))
    return path, hostile_fields(data, school.forms.get(("POST", path), {}))


def broken_answers(app, school, data):
    wrong = []
    for username in ROLES:
        client = client_as(app, username, school.user_ids)
        for target in school.targets:
            path, sent = request_for(school, target, data)
            values = {"query_string": sent} if target.method == "GET" else {"data": sent}
            try:
                response = client.open(path, method=target.method, **values)
                response.get_data()  # a streamed CSV fails while it is sent
                failure = response.status_code >= 500 and str(response.status_code)
            except Exception as error:  # noqa: BLE001  (every failure is reported, not raised)
                failure = f"{type(error).__name__}: {str(error)[:200]}"
            if failure:
                shown = {name: value[:40] for name, value in sent.items()}
                wrong.append(
                    f"{username or 'signed out'} {target.method} {path} {shown} -> {failure}"
                )
    return wrong


@PROFILE
@given(data=st.data())
def test_no_route_breaks_on_hostile_values(app, school, data):
    # The walk reaches the forms, and the links' query strings.
    causes = {"natural_wear", "accidental", "deliberate"}
    assert causes <= set(school.forms["POST", "/faults/settings"])
    assert ("POST", f"/assets/{school.ids['asset_id']}/checklists/"
            f"{school.ids['checklist_id']}/inspect") in school.forms
    assert "page" in school.query_names["/register/assets"]
    wrong = broken_answers(app, school, data)
    assert not wrong, "answered 5xx:\n" + "\n".join(wrong)


def test_no_route_breaks_on_a_post_with_no_fields_at_all(app, school):
    """A form sent empty (a proxy that dropped the body, a hand-made request) gives each
    field its default instead of form data: a path the walk's random drops rarely take."""
    wrong = []
    for username in ROLES:
        client = client_as(app, username, school.user_ids)
        for target in school.targets:
            if target.method != "POST":
                continue
            response = client.post(urlsplit(target.url).path)
            if response.status_code >= 500:
                wrong.append(f"{username or 'signed out'} POST {target.url}")
    assert not wrong, "answered 5xx:\n" + "\n".join(wrong)


# The examples issue 11 found, one by one.

HUGE = "99999999999999999999"


@pytest.fixture
def demo(app):
    with app.app_context():
        seed_demo()
        return db.session.scalar(
            sa.select(sa.func.min(Fault.id)).where(Fault.status == FaultStatus.REPORTED)
        )


@pytest.mark.parametrize(
    "url, status",
    [
        (f"/dashboard/term?routine={HUGE}", 404),
        (f"/register/assets?kind={HUGE}", 200),
        (f"/register/assets?page={HUGE}", 200),
        (f"/faults/?page={HUGE}", 200),
        (f"/stocktakes/?page={HUGE}", 200),
        (f"/faults/?place={HUGE}&age={HUGE}&newer=-{HUGE}", 200),
        ("/faults/?accepted=9999-12", 200),
        ("/faults/?accepted=0001-01", 200),
        (f"/today?place={HUGE}", 200),
        (f"/register/places/new?parent={HUGE}", 200),
    ],
)
def test_a_huge_number_or_a_far_date_in_a_link_is_ignored(client, auth, url, status):
    auth.login()
    assert client.get(url).status_code == status


def test_assigning_a_repairer_past_any_id_is_refused(client, auth, demo):
    auth.login()
    response = client.post(f"/faults/{demo}/assign", data={"repairer": HUGE})
    assert response.status_code == 400
    assert "Choose an active repairer." in response.text


@pytest.mark.parametrize(
    "export", ["report", "report.pdf", "inspections.csv", "faults.csv"]
)
def test_a_term_past_the_years_patrol_holds_is_refused_clearly(client, auth, export):
    auth.login()
    response = client.get(f"/reports/{export}?period=term&term=9999-12-31")
    assert response.status_code == 400
    assert "There is no report for the year 9999: write a year from 2000 to" in response.text


def test_the_settings_of_faults_without_a_cause_field_save_it_empty(app, client, auth):
    auth.login()
    response = client.post(
        "/faults/settings", data={"natural_wear": "学校负责", "accidental": " 照价赔偿 "}
    )
    assert response.status_code == 303
    with app.app_context():
        assert school_settings.get("cause_rule.accidental") == "照价赔偿"
        assert school_settings.get("cause_rule.deliberate") == ""


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_a_closed_period_past_the_years_patrol_holds_is_refused(client, auth, day):
    auth.login()
    response = client.post(
        "/checklists/closed-periods",
        data={"name": "假期", "start_date": day, "end_date": day},
    )
    assert response.status_code == 400
    assert "Choose a day from 2000 to 2100." in response.text
    assert f'value="{day}"' in response.text


@pytest.mark.parametrize(
    "method, url, data",
    [
        ("GET", "/q/ABC%00", None),
        ("GET", "/faults/?status=open%00", None),
        ("POST", "/users/new", {"username": "a\x00b", "display_name": "x"}),
        ("POST", "/faults/settings", {"natural_wear\x00": "x"}),
    ],
)
def test_a_nul_byte_anywhere_is_refused(client, auth, method, url, data):
    auth.login()
    response = client.open(url, method=method, data=data)
    assert response.status_code == 400
    assert "The request could not be understood." in response.text


# The walk catches what it is meant to catch.


class Always:
    """Stands in for Hypothesis's data: every field gets the same value."""

    def __init__(self, value):
        self.value = value

    def draw(self, strategy):
        return "wrong type" if strategy is classes else self.value


def test_the_walk_catches_a_broken_route(app):
    def careless():
        return str(int(request.args.get("n", "0")) * 2)

    app.add_url_rule("/careless", "careless", careless)
    with app.app_context():
        user_ids = dict(db.session.execute(sa.select(User.username, User.id)).all())
    school = School([Target("careless", "GET", "/careless")], {}, {"/careless": {"n"}}, user_ids)
    assert broken_answers(app, school, Always("2")) == []
    assert broken_answers(app, school, Always("abc")) == [
        f"{role} GET /careless {{'n': 'abc'}} -> ValueError: invalid literal for int() with "
        "base 10: 'abc'"
        for role in ("signed out", "inspector", "repairer", "admin")
    ]
