"""A district's Monday morning, as locust plays it (run by benchmarks/monday.py, which writes
the plan this reads: the schools' plate codes and who signs in, and a phone photo).

- A phone (most of the load): an inspector of one school, signed in once. Each turn it scans
  a plate (GET /q/<code>, the page that is the check's form), then sends All OK with a drawn
  signature, as the form sends it; one turn in PHOTO_FAULT_EVERY reports a fault with a photo
  from the plate's report form instead.
- Signed-in staff: an admin of one school looking at Today now and then.
- The district admin looking at the district's dashboard now and then.

Each request is named by its step ("scan", "send all OK", ...), so the figures are per step.
The figures count from the moment every phone and person has signed in (a morning's sign-ins
are once a day, and slow by design: the password's hash), for PATROL_MONDAY_SECONDS; that
moment is written to PATROL_MONDAY_MARK, for the runner to read the servers' CPU from then.
"""

import json
import os
import random
import uuid
from html.parser import HTMLParser
from pathlib import Path

import gevent
from locust import HttpUser, between, task

PLAN = json.loads(Path(os.environ["PATROL_MONDAY_PLAN"]).read_text(encoding="utf-8"))
MEASURED_SECONDS = float(os.environ["PATROL_MONDAY_SECONDS"])
MARK = Path(os.environ["PATROL_MONDAY_MARK"])
PHOTO = Path(PLAN["photo"]).read_bytes()
PHOTO_FAULT_EVERY = 20
# A signature as the pad draws it: a PNG data URL (benchmarks/monday.py draws it once).
SIGNATURE = PLAN["signature"]


class FormReader(HTMLParser):
    """The fields of the page's forms, by action, as a browser would send them untouched."""

    def __init__(self):
        super().__init__()
        self.forms = {}
        self.links = []
        self._fields = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "form":
            self._fields = self.forms.setdefault(attrs.get("action") or "", [])
        elif self._fields is not None and tag in ("input", "textarea") and attrs.get("name"):
            self._fields.append(attrs)

    def handle_endtag(self, tag):
        if tag == "form":
            self._fields = None


def read_forms(html):
    return read_page(html).forms


def read_page(html):
    reader = FormReader()
    reader.feed(html)
    return reader


def all_ok(fields):
    """What the check's form sends when every check passes, every reading is in range and
    every written answer is given."""
    data = {}
    for field in fields:
        name, kind = field["name"], field.get("type", "textarea")
        if kind == "radio":
            if field.get("value") == "pass":
                data[name] = "pass"
        elif name.endswith("-reading"):
            low, high = field.get("data-min"), field.get("data-max")
            if low is not None and high is not None:
                data[name] = str((float(low) + float(high)) / 2)
            else:
                data[name] = low or high or "0"
        elif name.endswith("-text"):
            data[name] = "正常"  # a written answer the routine asks for
        elif kind in ("hidden", "text", "textarea") and name not in data:
            data[name] = field.get("value", "")
    data["signature_data"] = SIGNATURE
    return data


class SignedIn(HttpUser):
    abstract = True
    signed_in = 0

    def sign_in(self, username):
        # The benchmark's nginx shows a self-signed certificate; over HTTPS a form is taken
        # only from Patrol's own pages, which a browser says in its Referer.
        self.client.verify = False
        self.client.headers["Referer"] = f"{self.host}/"
        page = self.client.get("/login", name="sign in form")
        # The sign-in form posts to its own address: it is the one asking for a username.
        fields = next(
            fields for fields in read_forms(page.text).values()
            if any(field["name"] == "username" for field in fields)
        )
        csrf = next(field["value"] for field in fields if field["name"] == "csrf_token")
        self.client.post(
            "/login",
            data={"csrf_token": csrf, "username": username, "password": PLAN["password"]},
            name="sign in",
        )
        SignedIn.signed_in += 1
        if SignedIn.signed_in == self.environment.runner.target_user_count:
            everyone_signed_in(self.environment)


def everyone_signed_in(environment):
    """The morning's steady state begins: count from now, for the measured time."""
    environment.stats.reset_all()
    MARK.touch()
    gevent.spawn_later(MEASURED_SECONDS, environment.runner.quit)


class Phone(SignedIn):
    weight = 20
    wait_time = between(2, 6)

    def on_start(self):
        self.school = random.choice(PLAN["schools"])
        self.sign_in(self.school["inspector"])

    @task
    def check_a_plate(self):
        code = random.choice(self.school["codes"])
        scan = self.client.get(f"/q/{code}", name="scan")
        if random.randrange(PHOTO_FAULT_EVERY) == 0:
            self.report_a_fault(code)
            return
        page = read_page(scan.text)
        forms = page.forms
        if not any(action.endswith("/inspect") for action in forms):
            # A plate with several routines lists them: the phone taps the first.
            routine = next((link for link in page.links if link.endswith("/inspect")), None)
            if routine is None:
                return  # nothing to check on this plate
            forms = read_forms(self.client.get(routine, name="open a routine").text)
        action = next(action for action in forms if action.endswith("/inspect"))
        data = all_ok(forms[action])
        data["client_id"] = uuid.uuid4().hex
        with self.client.post(
            action, data=data, name="send all OK", allow_redirects=False, catch_response=True
        ) as sent:
            if sent.status_code != 303:
                sent.failure(f"answered {sent.status_code}")

    def report_a_fault(self, code):
        form = self.client.get(f"/q/{code}/report", name="fault form")
        fields = read_forms(form.text).get(f"/q/{code}/report", [])
        csrf = next((f["value"] for f in fields if f["name"] == "csrf_token"), "")
        with self.client.post(
            f"/q/{code}/report",
            data={
                "csrf_token": csrf,
                "client_id": uuid.uuid4().hex,
                "description": "秋千座椅有裂纹 (load test)",
                "urgency": "needs_repair",
            },
            files={"photos": ("photo.jpg", PHOTO, "image/jpeg")},
            name="report with photo",
            allow_redirects=False,
            catch_response=True,
        ) as sent:
            if sent.status_code != 303:
                sent.failure(f"answered {sent.status_code}")


class Staff(SignedIn):
    weight = 2
    wait_time = between(10, 30)

    def on_start(self):
        self.sign_in(random.choice(PLAN["schools"])["admin"])

    @task
    def today(self):
        self.client.get("/today", name="today")


class DistrictAdmin(SignedIn):
    weight = 1
    fixed_count = 1
    wait_time = between(20, 40)

    def on_start(self):
        self.sign_in(PLAN["district"])

    @task
    def dashboard(self):
        self.client.get("/district/", name="district dashboard")
