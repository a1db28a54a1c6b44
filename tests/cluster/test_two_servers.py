"""Two app servers behind nginx, set up from deploy/ (tests/cluster/harness.py), on the demo
district: the Monday check, a visitor's fault with a photo, its repair and its acceptance,
each request free to land on either server; one server killed in the middle of the
phones' sends and restarted; and one told to stop while it holds a request.
"""

import http.client
import re
import signal
import threading
import time
from io import BytesIO

import pytest
import requests
import sqlalchemy as sa
from PIL import Image

from app.models import Asset, Fault, FaultPhoto, Inspection
from tests.cluster.harness import Cluster
from tests.cluster.phones import (
    OUTBOX_HEADERS,
    Form,
    Phone,
    Sent,
    drawn_signature,
    form,
    forms,
    new_id,
    photo,
)

# The cluster's certificate is self-signed: the phones do not check it.
pytestmark = pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")

# Demo plates of 阳光幼儿园's playground (app/demo/kindergarten.py), checked every Monday.
SLIDE = "4ZGV4P"
SPIRAL_SLIDE = "54FXKA"
PLAYGROUND = ("4GVA4U", "4ZGV4P", "5685RT", "5F548N", "5RNBDZ")
INSPECTION_FORM = r"/assets/\d+/checklists/\d+/inspect"
# The school's staff who inspect: one phone each in the stream of sends.
INSPECTORS = ("admin", "inspector", "gatekeeper", "canteen")
SENDS_PER_PHONE = 10
# Of each phone's sends, every third is a fault with a photo; the others inspections.
FAULT_EVERY = 3
KILL_AFTER_SENDS = 12
STREAM_SECONDS = 240
BACK_IN_SECONDS = 40


def signed_in(cluster: Cluster, username: str) -> Phone:
    phone = Phone(cluster.url)
    phone.sign_in(username)
    return phone


def inspection_form(phone: Phone, code: str) -> Form:
    """The check a plate opens: on the scan page itself when it is due, else one tap on."""
    page = phone.page(f"/q/{code}")
    opened = [each for each in forms(page) if re.fullmatch(INSPECTION_FORM, each.action)]
    if opened:
        return opened[0]
    link = re.search(rf'href="({INSPECTION_FORM})"', page)
    assert link, f"{code} offers no check"
    return form(phone.page(link[1]), INSPECTION_FORM)


def all_ok(check: Form) -> dict:
    """What the form sends after "All OK" and a finger's signature, with a new client id
    (the phone makes one for each form it shows)."""
    outcomes = {name: "pass" for name, values in check.choices.items() if "pass" in values}
    return check.values(client_id=new_id(), signature_data=drawn_signature(), **outcomes)


def answered_by(cluster: Cluster, phone: Phone) -> dict[str, str]:
    """The server that answered each of the phone's requests, by request id."""
    served = cluster.served_by_id(phone.request_ids)
    return {rid: line.upstreams[-1] for rid, line in served.items()}


def assert_photo(answer: requests.Response, size: tuple[int, int]) -> None:
    assert answer.status_code == 200, f"photo: {answer.status_code}"
    assert answer.headers["Content-Type"] == "image/jpeg"
    assert Image.open(BytesIO(answer.content)).size == size


def read_on_both_servers(cluster: Cluster, phone: Phone, url: str, size) -> None:
    """The photo read through nginx until each server has answered for it once."""
    servers = {server.address for server in cluster.servers}
    seen = set()
    for _ in range(8):
        assert_photo(phone.get(url), size)
        (line,) = cluster.served_by_id(phone.request_ids[-1:]).values()
        seen.add(line.upstreams[-1])
        if seen == servers:
            return
    raise AssertionError(f"{url} was only read through {seen}")


def photo_urls(page: str) -> list[str]:
    return sorted(set(re.findall(r'"(/faults/[^"?]*/photos/\d+)"', page)))


def fault_of(database, client_id: str) -> dict:
    with database.connect() as connection:
        fault = connection.execute(
            sa.select(Fault.__table__).where(Fault.__table__.c.client_id == client_id)
        ).mappings().one()
        photos = connection.scalar(
            sa.select(sa.func.count()).where(FaultPhoto.__table__.c.fault_id == fault["id"])
        )
        asset_status = connection.scalar(
            sa.select(Asset.__table__.c.status).where(Asset.__table__.c.id == fault["asset_id"])
        )
    return dict(fault, photos=photos, asset_status=asset_status)


def recorded(database, model, client_ids) -> list[str]:
    """The client ids of the records made, one entry per record."""
    column = model.__table__.c.client_id
    with database.connect() as connection:
        return list(connection.scalars(sa.select(column).where(column.in_(list(client_ids)))))


def test_the_monday_check_a_fault_its_repair_and_acceptance_on_either_server(
    both_servers, database
):
    cluster = both_servers
    inspector = signed_in(cluster, "inspector")
    check = inspection_form(inspector, SLIDE)
    sent = all_ok(check)
    answer = inspector.post(check.action, data=sent)
    assert answer.status_code == 303, answer.text[:500]
    assert recorded(database, Inspection, [sent["client_id"]]) == [sent["client_id"]]

    visitor = Phone(cluster.url)
    assert f"/q/{SPIRAL_SLIDE}/report" in visitor.page(f"/q/{SPIRAL_SLIDE}")
    report = form(visitor.page(f"/q/{SPIRAL_SLIDE}/report"), f"/q/{SPIRAL_SLIDE}/report")
    answer = visitor.post(
        report.action,
        data=report.values(
            description="螺旋滑梯顶部台阶松动", urgency="unsafe",
            public_name="张家长", public_phone="13800000000",
        ),
        files=[("photos", ("step.jpg", photo(seed=1), "image/jpeg"))],
    )
    assert answer.status_code == 303, answer.text[:500]
    thanks = visitor.page(answer.headers["Location"])
    (reporters_photo,) = photo_urls(thanks)
    fault = fault_of(database, report.values()["client_id"])
    assert fault["status"] == "reported" and fault["photos"] == 1
    assert fault["asset_status"] == "out_of_service"

    repairer = signed_in(cluster, "repairer")
    fault_page = f"/faults/{fault['id']}"
    start = form(repairer.page(fault_page), f"{fault_page}/start")
    assert repairer.post(start.action, data=start.values()).status_code == 303
    complete = form(repairer.page(fault_page), f"{fault_page}/complete")
    repair = complete.values(
        note="台阶螺栓已更换", parts="M8 螺栓", cost="12.5", cause="natural_wear",
        signature_data=drawn_signature(),
    )
    assert repairer.post(complete.action, data=repair).status_code == 303
    assert fault_of(database, report.values()["client_id"])["status"] == "repaired"

    admin = signed_in(cluster, "admin")
    page = admin.page(fault_page)
    (staff_photo,) = photo_urls(page)
    accept = form(page, f"{fault_page}/accept")
    acceptance = accept.values(signer_name="王丽，代张家长", signature_data=drawn_signature())
    assert admin.post(accept.action, data=acceptance).status_code == 303
    fault = fault_of(database, report.values()["client_id"])
    assert fault["status"] == "accepted" and fault["asset_status"] == "in_service"

    servers = set()
    for phone in (inspector, visitor, repairer, admin):
        servers |= set(answered_by(cluster, phone).values())
    assert servers == {server.address for server in cluster.servers}

    # The photo sent through one server, seen by the reporter and the school through both.
    read_on_both_servers(cluster, visitor, reporters_photo, (1200, 900))
    read_on_both_servers(cluster, admin, staff_photo, (1200, 900))


class Stream:
    """Several phones sending from their outboxes at once, each send retried as the outbox
    retries it until Patrol acknowledges it."""

    def __init__(self, cluster: Cluster, usernames):
        self.phones = [signed_in(cluster, name) for name in usernames]
        # Each phone's forms, fetched before the stream begins: a phone sends what it kept.
        self.checks = [
            [inspection_form(phone, code) for code in PLAYGROUND]
            for phone in self.phones
        ]
        self.reports = [
            form(phone.page(f"/q/{code}/report"), f"/q/{code}/report")
            for phone, code in zip(self.phones, PLAYGROUND, strict=False)
        ]
        self.inspections: list[Sent] = []
        self.faults: list[Sent] = []
        self.acknowledged_at: list[float] = []
        self.problems: list[BaseException] = []
        self._lock = threading.Lock()
        self._threads = [
            threading.Thread(target=self._send, args=(index,), daemon=True)
            for index in range(len(self.phones))
        ]

    def start(self) -> "Stream":
        for thread in self._threads:
            thread.start()
        return self

    def join(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        for thread in self._threads:
            thread.join(max(0, deadline - time.monotonic()))
        assert not any(thread.is_alive() for thread in self._threads), "the phones hang"
        assert not self.problems, self.problems

    @property
    def acknowledged(self) -> int:
        return len(self.acknowledged_at)

    def _send(self, index: int) -> None:
        phone = self.phones[index]
        try:
            for number in range(SENDS_PER_PHONE):
                if number % FAULT_EVERY == FAULT_EVERY - 1:
                    report = self.reports[index]
                    fields = report.values(
                        client_id=new_id(), description=f"第 {number} 处松动",
                        urgency="needs_repair",
                    )
                    picture = ("photo.jpg", photo(seed=index * 100 + number), "image/jpeg")
                    sent = phone.send_from_outbox(report.action, fields, [("photos", picture)])
                    kept = self.faults
                else:
                    check = self.checks[index][number % len(PLAYGROUND)]
                    sent = phone.send_from_outbox(check.action, all_ok(check))
                    kept = self.inspections
                with self._lock:
                    kept.append(sent)
                    self.acknowledged_at.append(time.monotonic())
        except BaseException as problem:
            self.problems.append(problem)


def test_a_server_killed_mid_stream_loses_no_send_and_takes_traffic_again_once_restarted(
    both_servers, database
):
    cluster = both_servers
    doomed, survivor = cluster.servers
    stream = Stream(cluster, INSPECTORS).start()
    deadline = time.monotonic() + STREAM_SECONDS
    while stream.acknowledged < KILL_AFTER_SENDS and time.monotonic() < deadline:
        time.sleep(0.05)
    doomed.kill()
    killed_at = time.monotonic()
    stream.join(STREAM_SECONDS)

    sends = len(INSPECTORS) * SENDS_PER_PHONE
    assert len(stream.inspections) + len(stream.faults) == sends
    for model, sent in ((Inspection, stream.inspections), (Fault, stream.faults)):
        client_ids = [each.client_id for each in sent]
        assert sorted(recorded(database, model, client_ids)) == sorted(client_ids)
    assert all(fault_of(database, sent.client_id)["photos"] == 1 for sent in stream.faults)
    assert any(at > killed_at for at in stream.acknowledged_at), "nothing sent after the kill"
    served = cluster.served()
    # nginx sent on to the survivor even the POSTs the dead server held: no phone saw a 502.
    errors = [line for line in served if line.upstreams and line.status >= 500]
    assert not errors, errors
    failed_over = [line for line in served if line.upstreams == (doomed.address, survivor.address)]
    assert failed_over, "no request was in the killed server's hands"

    cluster.restart(doomed)
    prober = Phone(cluster.url)
    deadline = time.monotonic() + BACK_IN_SECONDS
    while doomed.address not in answered_by(cluster, prober).values():
        assert time.monotonic() < deadline, "the restarted server takes no requests"
        assert prober.get("/login").status_code == 200
        time.sleep(0.2)

    admin = stream.phones[0]
    for sent in stream.faults:
        (url,) = photo_urls(admin.page(sent.url))
        read_on_both_servers(cluster, admin, url, (1200, 900))
    for sent in stream.inspections:
        (signature,) = re.findall(r'"(/inspections/\d+/signature\.png)"', admin.page(sent.url))
        answer = admin.get(signature)
        assert answer.status_code == 200 and answer.headers["Content-Type"] == "image/png"


def test_a_server_told_to_stop_finishes_the_request_it_holds(both_servers, database):
    """SIGTERM (systemctl stop) while a phone's report with three photos is still arriving:
    it is recorded and answered; the phones sending through nginx meanwhile never notice."""
    cluster = both_servers
    stopping = cluster.servers[0]
    others = Stream(cluster, ["admin"])
    inspector = signed_in(cluster, "inspector")
    report = form(inspector.page(f"/q/{SLIDE}/report"), f"/q/{SLIDE}/report")
    token = inspector.get("/offline/csrf", headers=OUTBOX_HEADERS).json()["csrf_token"]
    fields = report.values(
        client_id=new_id(), description="秋千链条磨损", urgency="needs_repair", csrf_token=token
    )
    pictures = [("photos", (f"{n}.jpg", photo(2000, 1500, seed=n), "image/jpeg")) for n in range(3)]
    prepared = requests.Request("POST", "http://x/", data=fields, files=pictures).prepare()
    body = prepared.body

    # Straight to the server, with what nginx adds: its slow part is then the upload itself.
    connection = http.client.HTTPConnection("127.0.0.1", stopping.port, timeout=60)
    connection.putrequest("POST", report.action, skip_host=True)
    headers = {
        "Host": f"127.0.0.1:{cluster.https_port}",
        "X-Forwarded-For": "127.0.0.1",
        "X-Forwarded-Proto": "https",
        "X-Request-ID": new_id(),
        "Referer": f"{cluster.url}/",
        "Cookie": "; ".join(f"{c.name}={c.value}" for c in inspector.session.cookies),
        "Content-Type": prepared.headers["Content-Type"],
        "Content-Length": str(len(body)),
        "X-Patrol-Entered-By": inspector.user_id,
        **OUTBOX_HEADERS,
    }
    for name, value in headers.items():
        connection.putheader(name, value)
    connection.endheaders()

    pieces = 40
    size = len(body) // pieces + 1
    for number in range(pieces):
        connection.send(body[number * size:(number + 1) * size])
        if number == pieces // 4:
            stopping.signal(signal.SIGTERM)
            others.start()
        time.sleep(0.05)
    answer = connection.getresponse()
    assert answer.status == 201, answer.read()[:500]
    assert stopping.wait(40) == 0
    fault = fault_of(database, fields["client_id"])
    assert fault["photos"] == 3

    others.join(STREAM_SECONDS)
    assert {sent.tries for sent in others.inspections + others.faults} == {1}


def test_nginx_keeps_phones_on_https_keeps_hashed_static_files_and_never_a_page(both_servers):
    cluster = both_servers
    plain = requests.get(
        f"http://127.0.0.1:{cluster.http_port}/q/{SLIDE}", headers={"Host": "patrol.test"},
        allow_redirects=False, timeout=10,
    )
    assert plain.status_code == 301
    assert plain.headers["Location"] == f"https://patrol.test/q/{SLIDE}"

    phone = Phone(cluster.url)
    first_page = phone.get("/login")
    stylesheet = re.search(r'href="(/static/css/patrol\.[0-9a-f]{12}\.css)"', first_page.text)[1]
    phone.get(stylesheet)
    kept = phone.get(stylesheet)
    assert kept.status_code == 200
    assert "max-age=31536000" in kept.headers["Cache-Control"]
    assert "immutable" in kept.headers["Cache-Control"]
    by_plain_name = phone.get("/static/css/patrol.css")
    assert "immutable" not in by_plain_name.headers["Cache-Control"]
    second_page = phone.get("/login")
    assert "max-age" not in second_page.headers.get("Cache-Control", "")

    served = cluster.served_by_id(phone.request_ids)
    kept_line = served[phone.request_ids[2]]
    assert kept_line.cache == "HIT" and not kept_line.upstreams
    for request_id in (phone.request_ids[0], *phone.request_ids[3:]):
        assert served[request_id].upstreams, "answered by nginx, not by a server"

    assert phone.get("/metrics").status_code == 403
