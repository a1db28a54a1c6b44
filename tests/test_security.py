"""Guards that walk every route the app has, so routes added later are covered too.

(a) Every route that changes data refuses a request without its CSRF token.
(b) Every page needs a sign-in, and the admin areas refuse inspectors and repairers.
"""

import re

import pytest
from flask import url_for

from app.auth.access import staff_required
from app.extensions import csrf, db
from app.models import Asset
from tests.conftest import PASSWORD
from tests.factories import make_asset, make_public_report

CODE = "ABC234"
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# Deliberately public: signing in and out, the language switch, and the files every page needs
# (with the service worker, the manifest, the offline page and the outbox's fresh CSRF token);
# and, while the school allows reports without an account, a plate's public page, the report
# form, and the reporter's confirmation page with its photos (opened by its secret token).
# The load balancer's probes, and the metrics, which are kept to this machine, the private
# network or a token's bearer instead (tests/test_metrics.py).
PUBLIC_ENDPOINTS = {
    "static",
    "health.healthz",
    "health.readyz",
    "metrics.metrics",
    "auth.login",
    "scan.door",
    "faults.report",
    "faults.reported",
    "faults.public_photo",
    "offline.service_worker",
    "offline.manifest",
    "offline.page",
    "offline.csrf_token",
}
PUBLIC_FORMS = {"auth.login", "auth.logout", "auth.language", "faults.report"}
ADMIN_AREAS = (
    "/register",
    "/labels",
    "/users",
    "/checklists",
    "/reports",
    "/dashboard",
    "/templates",
)
# Inside an admin area but the district's, refused to a school's admin like to its staff
# (tests/test_routine_templates.py opens them as the district's people).
DISTRICT_ENDPOINTS_IN_ADMIN_AREAS = {
    "routine_templates.district",
    "routine_templates.new",
    "routine_templates.template",
    "routine_templates.publish_version",
}
# Inside the admin areas but shown to every role: the photo on an asset's scan page.
STAFF_ENDPOINTS_IN_ADMIN_AREAS = {"register.asset_photo"}
STAFF_WITHOUT_ADMIN = ("inspector", "repairer")
# Open to the logistics head and the inspectors, who count; a repairer may be an outside
# contractor and does not see what the school owns and what is missing.
COUNTING_AREAS = ("/stocktakes",)
# Steps on a fault only the logistics head may take, on any fault: the others get 403.
HEAD_FAULT_STEPS = ("dismiss",)
VARIABLE = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
CSRF_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@pytest.fixture
def register(app):
    """Something for URL variables to point at: asset, place and kind 1, and a code."""
    with app.app_context():
        make_asset(code=CODE)
        db.session.commit()


def plausible_values(rule):
    values = {}
    for converter, name in VARIABLE.findall(rule.rule):
        if name in (rule.defaults or {}):
            continue
        if converter == "int":
            values[name] = 1
        elif name == "code":
            values[name] = CODE
        elif name == "fmt":
            values[name] = "svg"
        elif converter == "path":
            values[name] = "css/patrol.css"
        else:
            values[name] = "x"
    return values


def routes(app, methods):
    """(endpoint, method, url) for every rule accepting one of the methods."""
    found = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            url = url_for(rule.endpoint, **plausible_values(rule))
            found += [(rule.endpoint, method, url) for method in sorted(rule.methods & methods)]
    return found


def in_admin_area(url):
    return url.startswith(ADMIN_AREAS)


def signed_in(app, username):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    data = {"username": username, "password": PASSWORD}
    token = CSRF_TOKEN.search(client.get("/login").get_data(as_text=True))
    if token:
        data["csrf_token"] = token.group(1)
    assert client.post("/login", data=data).status_code == 302
    return client


# The walks: each returns what is wrong, one line per route.


def accepted_without_csrf_token(app):
    client = signed_in(app, "admin")
    wrong = []
    for endpoint, method, url in routes(app, UNSAFE_METHODS):
        response = client.open(url, method=method, data={})
        refused = "This form has expired" in response.get_data(as_text=True)
        if response.status_code != 400 or not refused:
            wrong.append(f"{method} {url} ({endpoint}): {response.status_code}")
    return wrong


def open_to_signed_out(app, methods, skip):
    client = app.test_client()
    wrong = []
    for endpoint, method, url in routes(app, methods):
        if endpoint in skip:
            continue
        response = client.open(url, method=method, data={})
        location = response.headers.get("Location", "")
        sent_to_sign_in = response.status_code == 302 and location.startswith("/login?next=")
        if not (sent_to_sign_in or response.status_code == 401):
            wrong.append(f"{method} {url} ({endpoint}): {response.status_code} {location}")
    return wrong


def admin_areas_open_to(app, username):
    client = signed_in(app, username)
    wrong = []
    for endpoint, method, url in routes(app, {"GET"} | UNSAFE_METHODS):
        if not in_admin_area(url):
            continue
        status = client.open(url, method=method, data={}).status_code
        if endpoint in STAFF_ENDPOINTS_IN_ADMIN_AREAS:
            if status in (401, 403) or status >= 500:
                wrong.append(f"{method} {url} ({endpoint}) refused: {status}")
        elif status != 403:
            wrong.append(f"{method} {url} ({endpoint}): {status}")
    return wrong


def admin_areas_refused_to_admin(app):
    client = signed_in(app, "admin")
    wrong = []
    for endpoint, _method, url in routes(app, {"GET"}):
        if not in_admin_area(url) or endpoint in DISTRICT_ENDPOINTS_IN_ADMIN_AREAS:
            continue
        status = client.get(url).status_code
        # Made-up URL values may well be answered 400 or 404; never refused, never broken.
        if status in (401, 403) or status >= 500:
            wrong.append(f"GET {url} ({endpoint}): {status}")
    return wrong


# The guards


def test_every_data_changing_route_needs_its_csrf_token(csrf_app, register):
    covered = {endpoint for endpoint, _m, _u in routes(csrf_app, UNSAFE_METHODS)}
    assert {"auth.logout", "scan.replace_code", "users.new", "users.edit"} <= covered
    assert {"auth.end_phone", "auth.end_all_phones", "users.sign_out_everywhere"} <= covered
    wrong = accepted_without_csrf_token(csrf_app)
    assert not wrong, "accepted without a CSRF token:\n" + "\n".join(wrong)


def test_every_page_needs_a_sign_in(app, register):
    covered = {endpoint for endpoint, _m, _u in routes(app, {"GET"})}
    assert {"home.index", "scan.door", "scan.lookup", "users.index", "auth.phones"} <= covered
    wrong = open_to_signed_out(app, {"GET"}, skip=PUBLIC_ENDPOINTS)
    assert not wrong, "open to signed-out visitors:\n" + "\n".join(wrong)


def test_signed_out_visitors_change_nothing(app, register):
    wrong = open_to_signed_out(app, UNSAFE_METHODS, skip=PUBLIC_FORMS)
    assert not wrong, "open to signed-out visitors:\n" + "\n".join(wrong)


@pytest.mark.parametrize("username", STAFF_WITHOUT_ADMIN)
def test_admin_areas_refuse_other_roles(app, register, username):
    wrong = admin_areas_open_to(app, username)
    assert not wrong, f"open to {username}:\n" + "\n".join(wrong)


def test_admin_areas_open_to_admins(app, register):
    wrong = admin_areas_refused_to_admin(app)
    assert not wrong, "refused or broken for the admin:\n" + "\n".join(wrong)


def test_counting_areas_refuse_repairers(app, register):
    client = signed_in(app, "repairer")
    walked = [
        (endpoint, method, url)
        for endpoint, method, url in routes(app, {"GET"} | UNSAFE_METHODS)
        if url.startswith(COUNTING_AREAS)
    ]
    assert len(walked) >= 7
    wrong = [
        f"{method} {url} ({endpoint}): {status}"
        for endpoint, method, url in walked
        if (status := client.open(url, method=method, data={}).status_code) != 403
    ]
    assert not wrong, "open to repairer:\n" + "\n".join(wrong)


@pytest.mark.parametrize("username", STAFF_WITHOUT_ADMIN)
def test_the_heads_fault_steps_refuse_other_roles(app, register, username):
    with app.app_context():
        fault = make_public_report(db.session.get(Asset, 1))
        db.session.commit()
        fault_id = fault.id
    client = signed_in(app, username)
    wrong = [
        f"POST {url}: {status}"
        for url in (f"/faults/{fault_id}/{step}" for step in HEAD_FAULT_STEPS)
        if (status := client.post(url, data={}).status_code) != 403
    ]
    assert not wrong, f"open to {username}:\n" + "\n".join(wrong)
    assert signed_in(app, "admin").post(f"/faults/{fault_id}/dismiss").status_code == 303


# The guards catch what they are meant to catch


def test_the_walks_catch_an_unguarded_route(app, register):
    def careless():
        return "changed"

    app.add_url_rule("/register/careless", "careless", careless, methods=["GET", "POST"])
    csrf.exempt(careless)
    app.config["WTF_CSRF_ENABLED"] = True
    assert accepted_without_csrf_token(app) == ["POST /register/careless (careless): 200"]
    app.config["WTF_CSRF_ENABLED"] = False
    assert open_to_signed_out(app, {"GET"}, skip=PUBLIC_ENDPOINTS) == [
        "GET /register/careless (careless): 200 "
    ]
    assert "GET /register/careless (careless): 200" in admin_areas_open_to(app, "inspector")


def test_the_walks_catch_a_staff_page_in_an_admin_area(app, register):
    app.add_url_rule("/users/roster", "roster", staff_required(lambda: "everyone"))
    assert admin_areas_open_to(app, "repairer") == ["GET /users/roster (roster): 200"]
