"""Reporting a fault from a plate: staff and public reports, photos, limits, the repairer's jump."""

import hashlib
import re
from io import BytesIO

import pytest
import sqlalchemy as sa
from PIL import Image

from app import settings
from app.core.photos import decoding
from app.extensions import db
from app.faults import report_limits, reporting
from app.models import (
    Asset,
    AssetStatus,
    Fault,
    FaultEvent,
    FaultPhoto,
    FaultStatus,
    Urgency,
)
from app.models.code import replace_code
from app.request_address import address_key
from tests.factories import make_asset, make_blank_code, make_school, user

SWING = "SWG234"
OLD = "RPX234"
BLANK = "BKN234"
PUBLIC_NAME = "王老师"
TOKEN_URL = re.compile(r"/faults/reported/([A-Za-z0-9_-]+)$")
PHOTO_TOKEN = re.compile(r'name="photo_token" value="([^"]+)"')


@pytest.fixture
def swing(app):
    with app.app_context():
        asset = make_asset("秋千", "Swing", code=SWING)
        retired = make_asset("旧滑梯", "Old slide", status=AssetStatus.RETIRED, code="RTD234")
        moved = make_asset("跷跷板", "Seesaw", code=OLD)
        replace_code(moved)
        make_blank_code(BLANK)
        db.session.commit()
        return {"swing": asset.id, "retired": retired.id}


def png(colour="red", size=(40, 30)):
    data = BytesIO()
    Image.new("RGB", size, colour).save(data, "PNG")
    data.seek(0)
    return data


def photo(name="crack.png"):
    return (png(), name)


def report(client, code=SWING, photos=(), headers=None, **fields):
    data = {
        "description": "The seat is cracked",
        "urgency": "unsafe",
        "client_id": fields.pop("client_id", "a" * 32),
        "photos": list(photos),
        **fields,
    }
    return client.post(
        f"/q/{code}/report", data=data, content_type="multipart/form-data", headers=headers
    )


def public_report(client, **fields):
    fields.setdefault("public_name", PUBLIC_NAME)
    return report(client, **fields)


def faults():
    return db.session.scalars(sa.select(Fault).order_by(Fault.id)).all()


def page(response):
    return response.get_data(as_text=True)


# The public scan page


def test_signed_out_scan_shows_the_asset_and_a_report_button(client, swing):
    response = client.get(f"/q/{SWING}")
    assert response.status_code == 200
    text = page(response)
    assert "Swing" in text and "秋千" in text
    assert f'href="/q/{SWING}/report"' in text
    assert "Staff: sign in" in text
    assert "Do not use" not in text


def test_public_page_of_a_retired_asset_offers_no_report(client, swing):
    text = page(client.get("/q/RTD234"))
    assert "Retired" in text
    assert "/q/RTD234/report" not in text


def test_replaced_and_blank_labels_lead_nowhere_for_signed_out_visitors(client, swing):
    replaced = client.get(f"/q/{OLD}")
    assert replaced.status_code == 410
    assert "Seesaw" not in page(replaced)
    blank = client.get(f"/q/{BLANK}")
    assert blank.status_code == 200
    assert "not registered yet" in page(blank)
    assert "/register" not in page(blank)
    unknown = client.get("/q/ZZZ234")
    assert unknown.status_code == 404
    assert "No label has this code" in page(unknown)


# A public report, start to finish


def test_public_unsafe_report_with_a_photo_takes_the_asset_out_of_service(app, client, swing):
    form = page(client.get(f"/q/{SWING}/report"))
    assert 'name="public_name"' in form
    assert 'capture="environment"' in form and "multiple" in form
    assert 'name="take_out_of_service"' not in form  # no second box to forget
    client_id = re.search(r'name="client_id" value="([0-9a-f]{32})"', form).group(1)

    response = public_report(
        client, client_id=client_id, photos=[photo()], public_phone="+86 138-0000 0000"
    )
    assert response.status_code == 303
    token = TOKEN_URL.search(response.headers["Location"]).group(1)

    with app.app_context():
        (fault,) = faults()
        assert fault.is_public and fault.reported_by is None
        assert (fault.reporter_name, fault.reporter_phone) == (PUBLIC_NAME, "+86 138-0000 0000")
        assert fault.public_token == token and fault.client_id == client_id
        assert fault.urgency == Urgency.UNSAFE and fault.took_out_of_service
        assert len(fault.photos) == 1
        assert [(e.action, e.actor_name) for e in fault.events] == [
            ("reported", PUBLIC_NAME),
            ("taken_out_of_service", PUBLIC_NAME),
        ]
        assert db.session.get(Asset, swing["swing"]).status == AssetStatus.OUT_OF_SERVICE
        photo_id = fault.photos[0].id

    thanks = client.get(f"/faults/reported/{token}")
    assert thanks.status_code == 200
    assert "no-store" in thanks.headers["Cache-Control"]
    text = page(thanks)
    assert "The seat is cracked" in text and "Do not use" in text
    assert f"/faults/reported/{token}/photos/{photo_id}" in text

    scanned = page(client.get(f"/q/{SWING}"))
    assert "Do not use" in scanned


def test_public_unsafe_report_warns_the_next_visitor_and_staff_at_once(client, auth, swing):
    assert public_report(client).status_code == 303
    assert "Do not use" in page(client.get(f"/q/{SWING}"))
    auth.login("inspector")
    assert "Do not use" in page(client.get(f"/q/{SWING}"))


@pytest.mark.parametrize(
    ("language", "words"), [("en", "Do not use"), ("zh", "停止使用")]
)
def test_public_page_says_why_and_since_when_escaped(client, swing, language, words):
    public_report(client, description='<b>Nail</b> sticking out & "sharp"')
    text = page(client.get(f"/q/{SWING}", headers={"Accept-Language": language}))
    banner = text.split('class="banner-danger"')[1].split("</p>")[0]
    assert words in banner
    assert "&lt;b&gt;Nail&lt;/b&gt; sticking out &amp; &#34;sharp&#34;" in banner
    assert "<b>Nail</b>" not in text
    assert ("Out of service since" if language == "en" else "起停用") in banner


def test_old_outbox_send_with_the_box_ticked_still_records(app, client, swing):
    """A report queued on a phone before the box went away must not be refused."""
    response = public_report(
        client,
        urgency="needs_repair",
        take_out_of_service="1",
        headers={"X-Patrol-Outbox": "1", "Accept-Language": "en"},
    )
    assert response.status_code == 201
    with app.app_context():
        (fault,) = faults()
        assert fault.took_out_of_service  # what the reporter asked for then is done
        assert db.session.get(Asset, swing["swing"]).status == AssetStatus.OUT_OF_SERVICE


def test_public_needs_repair_report_leaves_the_asset_in_service(app, client, swing):
    response = public_report(client, urgency="needs_repair")
    assert response.status_code == 303
    with app.app_context():
        (fault,) = faults()
        assert not fault.took_out_of_service and fault.reporter_phone is None
        assert db.session.get(Asset, swing["swing"]).status == AssetStatus.IN_SERVICE
    assert "Do not use" not in page(client.get(response.headers["Location"]))


# Staff reports


@pytest.mark.parametrize("role", ["admin", "inspector", "repairer"])
def test_staff_report_carries_their_account(app, client, auth, swing, role):
    auth.login(role)
    form = page(client.get(f"/q/{SWING}/report"))
    assert 'name="public_name"' not in form
    response = report(client)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/q/{SWING}"
    assert "now out of service" in page(client.get(f"/q/{SWING}"))
    with app.app_context():
        (fault,) = faults()
        assert fault.reported_by.username == role
        assert not fault.is_public and fault.public_token is None
        assert fault.reporter_name is None


def test_staff_report_without_out_of_service_says_so_plainly(client, auth, swing):
    auth.login("inspector")
    report(client, urgency="needs_repair")
    text = page(client.get(f"/q/{SWING}"))
    assert "Fault reported." in text and "now out of service" not in text


# Photos


def test_several_photos_are_all_kept(photo_store, app, client, auth, swing):
    auth.login("inspector")
    response = report(client, photos=[photo("a.png"), photo("b.png"), photo("c.png")])
    assert response.status_code == 303
    with app.app_context():
        (fault,) = faults()
        assert len(fault.photos) == 3
        assert len({p.filename for p in fault.photos}) == 3


def test_a_refused_photo_is_named_and_the_accepted_ones_are_kept(
    photo_store, app, client, swing
):
    response = public_report(
        client,
        description="Chain loose",
        photos=[photo("good.png"), (BytesIO(b"not an image"), "notes.txt")],
    )
    assert response.status_code == 400
    text = page(response)
    assert "notes.txt: This file is not a photo" in text
    assert "Chain loose" in text and PUBLIC_NAME in text
    tokens = PHOTO_TOKEN.findall(text)
    assert len(tokens) == 1
    with app.app_context():
        assert faults() == []

    response = public_report(client, description="Chain loose", photo_token=tokens)
    assert response.status_code == 303
    with app.app_context():
        (fault,) = faults()
        assert len(fault.photos) == 1
        assert photo_store.read(fault.photos[0].filename) is not None


def test_an_oversized_photo_is_refused(app, client, auth, swing):
    app.config["PHOTO_MAX_BYTES"] = 200
    auth.login("inspector")
    response = report(client, photos=[(png(size=(400, 400)), "big.png")])
    assert response.status_code == 400
    assert "big.png: The photo is too large" in page(response)
    with app.app_context():
        assert faults() == []


def test_more_than_five_photos_are_refused_one_by_one(app, client, auth, swing):
    auth.login("inspector")
    response = report(client, photos=[photo(f"{n}.png") for n in range(6)])
    assert response.status_code == 400
    text = page(response)
    assert "5.png: at most 5 photos per report." in text
    assert len(PHOTO_TOKEN.findall(text)) == 5


def test_a_kept_photo_token_works_only_for_its_own_form(photo_store, app, client, swing):
    response = public_report(client, photos=[photo()], description="")
    token = PHOTO_TOKEN.findall(page(response))
    assert len(token) == 1
    response = public_report(client, client_id="b" * 32, photo_token=token)
    assert response.status_code == 303
    with app.app_context():
        assert faults()[0].photos == []


def test_report_photos_are_for_staff_and_the_reporter_only(
    photo_store, app, client, auth, swing
):
    response = public_report(client, photos=[photo()])
    token = TOKEN_URL.search(response.headers["Location"]).group(1)
    with app.app_context():
        fault = faults()[0]
        fault_id, photo_id = fault.id, fault.photos[0].id

    mine = client.get(f"/faults/reported/{token}/photos/{photo_id}?size=thumb")
    assert mine.status_code == 200 and mine.mimetype == "image/jpeg"
    assert "private" in mine.headers["Cache-Control"]
    assert client.get(f"/faults/reported/{'x' * 22}/photos/{photo_id}").status_code == 404
    staff_url = f"/faults/{fault_id}/photos/{photo_id}"
    assert client.get(staff_url).headers["Location"].startswith("/login?next=")

    auth.login("repairer")
    staff = client.get(staff_url)
    assert staff.status_code == 200 and "private" in staff.headers["Cache-Control"]
    assert client.get(f"/faults/{fault_id}/photos/{photo_id + 1}").status_code == 404
    assert client.get(f"/faults/{fault_id + 1}/photos/{photo_id}").status_code == 404


def test_a_reporters_token_opens_no_one_elses_photos(app, client, swing):
    first = public_report(client, photos=[photo()])
    second = public_report(client, client_id="b" * 32, photos=[photo()])
    first_token = TOKEN_URL.search(first.headers["Location"]).group(1)
    with app.app_context():
        other_photo = faults()[1].photos[0].id
    assert TOKEN_URL.search(second.headers["Location"])
    assert client.get(f"/faults/reported/{first_token}/photos/{other_photo}").status_code == 404


# Bad input


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"description": "   "}, "Say what is wrong."),
        ({"description": "x" * 2001}, "At most 2000 characters"),
        ({"urgency": "whenever"}, "Choose how urgent it is."),
        ({"public_name": ""}, "Give your name"),
        ({"public_name": "n" * 81}, "At most 80 characters"),
        ({"public_phone": "call me maybe"}, "only digits, spaces, + and -"),
        ({"public_phone": "1" * 31}, "only digits, spaces, + and -"),
    ],
)
def test_public_report_refuses_bad_input_and_keeps_what_was_typed(
    app, client, swing, fields, message
):
    fields.setdefault("description", "Seat <b>cracked</b>")
    response = public_report(client, **fields)
    assert response.status_code == 400
    text = page(response)
    assert message in text
    if fields["description"].strip() and len(fields["description"]) <= 2000:
        assert "Seat &lt;b&gt;cracked&lt;/b&gt;" in text
    with app.app_context():
        assert faults() == []
        assert db.session.get(Asset, swing["swing"]).status == AssetStatus.IN_SERVICE


def test_staff_need_not_give_a_name(app, client, auth, swing):
    auth.login("inspector")
    assert report(client, public_name="").status_code == 303


def test_unknown_replaced_and_retired_codes_record_nothing(app, client, auth, swing):
    assert public_report(client, code="ZZZ234").status_code == 404
    assert public_report(client, code=OLD).status_code == 404
    retired = public_report(client, code="RTD234")
    assert retired.status_code == 409
    assert "retired" in page(retired)
    auth.login("inspector")
    assert client.get("/q/ZZZ234/report").status_code == 404
    assert client.get("/q/RTD234/report").status_code == 409
    with app.app_context():
        assert faults() == []


def test_hostile_text_is_shown_as_text(app, client, swing):
    hostile = '<script>alert("x")</script>'
    response = public_report(client, description=hostile, public_name=hostile)
    text = page(client.get(response.headers["Location"]))
    assert "<script>alert" not in text
    assert "&lt;script&gt;alert" in text


# Reports without an account turned off


def test_public_reports_off_sends_signed_out_visitors_to_sign_in(app, client, auth, swing):
    with app.app_context():
        settings.put(settings.PUBLIC_REPORTS, "off")
        db.session.commit()
    for response in (
        client.get(f"/q/{SWING}"),
        client.get(f"/q/{SWING}/report"),
        public_report(client),
    ):
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")
    with app.app_context():
        assert faults() == []
    auth.login("inspector")
    assert report(client).status_code == 303


# Sending twice, and sending too often


def test_a_second_send_records_nothing_new_and_answers_as_the_first(app, client, swing):
    first = public_report(client, photos=[photo()])
    second = public_report(client, photos=[photo()])
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    with app.app_context():
        assert len(faults()) == 1
        assert db.session.scalar(sa.select(sa.func.count(FaultPhoto.id))) == 1
        assert db.session.scalar(sa.select(sa.func.count(FaultEvent.id))) == 2


def test_two_sends_at_once_record_one_fault(app, swing):
    """The second send got past the view's look for a repeat before the first committed."""
    with app.app_context():
        asset = db.session.get(Asset, swing["swing"])
        first, created = reporting.report_fault(
            asset, "Cracked", Urgency.UNSAFE, False, [], public_name="A", client_id="c" * 32
        )
        assert created
        first_id = first.id
        again, created = reporting.report_fault(
            asset, "Cracked", Urgency.UNSAFE, True, [], public_name="A", client_id="c" * 32
        )
        assert not created and again.id == first_id
        assert len(faults()) == 1
        assert db.session.get(Asset, swing["swing"]).status == AssetStatus.IN_SERVICE


PHONE_SPELLINGS = (
    "13800138000",
    "138 0013 8000",
    "+86 13800138000",
    "+86 138-0013-8000",
    "0086 138 0013 8000",
    "8613800138000",
    "１３８００１３８０００",
    "13800138000 ",
    " 138-0013-8000",
    "＋８６ １３８ ００１３ ８０００",
)


def from_address(client, number):
    client.environ_base["REMOTE_ADDR"] = f"10.0.{number // 250}.{number % 250 + 1}"


def test_one_phone_number_is_limited_whatever_the_address_and_spelling(app, client, swing):
    answers = []
    for n in range(30):
        from_address(client, n)
        phone = PHONE_SPELLINGS[n % len(PHONE_SPELLINGS)]
        answers.append(
            public_report(
                client, client_id=f"{n:032x}", public_phone=phone, description=f"Crack {n}"
            )
        )
    assert [r.status_code for r in answers] == [303] * 5 + [429] * 25
    refused = answers[-1]
    text = page(refused)
    assert "Too many reports in a short time" in text
    assert "Crack 29" in text and 'value="＋８６' not in text
    assert 'value="+86 138 0013 8000"' in text  # full-width typed, shown as the same number
    assert int(refused.headers["Retry-After"]) > 0
    with app.app_context():
        assert len(faults()) == 5


def test_address_key_counts_an_ipv6_line_once():
    assert address_key("2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64"
    assert address_key("::ffff:10.1.1.1") == "10.1.1.1"
    assert address_key("10.1.1.1") == "10.1.1.1"
    assert address_key("") == ""


def test_phone_key_counts_each_number_once_however_written():
    assert {report_limits.phone_key(p) for p in PHONE_SPELLINGS} == {"13800138000"}
    assert report_limits.phone_key("١٣٨٠٠١٣٨٠٠٠") == "13800138000"
    assert report_limits.phone_key("010-1234 5678") == report_limits.phone_key("+86 10 12345678")
    assert report_limits.phone_key("13800138001") != report_limits.phone_key("13800138000")
    assert report_limits.phone_key("") == report_limits.phone_key(" - + ") == ""


def test_many_phone_numbers_from_one_address_are_held_by_the_address_limit(app, client, swing):
    for n in range(5):
        phone = f"1380013800{n}" if n % 2 else ""
        assert public_report(client, client_id=f"{n:032x}", public_phone=phone).status_code == 303
    response = public_report(
        client, client_id="f" * 32, public_phone="13900139000", description="Seat <b>loose</b>"
    )
    assert response.status_code == 429
    text = page(response)
    assert "Too many reports in a short time" in text
    assert "Seat &lt;b&gt;loose&lt;/b&gt;" in text and 'value="13900139000"' in text
    assert f'value="{PUBLIC_NAME}"' in text
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    response = public_report(client, client_id="e" * 32)
    assert response.status_code == 429
    assert "短时间内报修次数过多" in page(response)
    with app.app_context():
        assert len(faults()) == 5


@pytest.mark.parametrize(
    "addresses",
    [
        [f"2001:db8:1:2:{n:x}::1" for n in range(6)],  # one IPv6 line, a new address each time
        ["::ffff:10.1.1.1", "10.1.1.1"] * 3,
    ],
)
def test_one_line_is_one_address(app, client, swing, addresses):
    answers = []
    for n, address in enumerate(addresses):
        client.environ_base["REMOTE_ADDR"] = address
        answers.append(public_report(client, client_id=f"{n:032x}").status_code)
    assert answers == [303] * 5 + [429]


def test_a_forwarded_for_header_does_not_make_a_new_address(app, client, swing):
    answers = [
        public_report(
            client, client_id=f"{n:032x}", headers={"X-Forwarded-For": f"10.9.9.{n}"}
        ).status_code
        for n in range(6)
    ]
    assert answers == [303] * 5 + [429]


def test_a_report_without_a_phone_number_is_held_by_its_address_alone(app, client, swing):
    for n in range(12):
        from_address(client, n)
        assert public_report(client, client_id=f"{n:032x}").status_code == 303
    with app.app_context():
        assert len(faults()) == 12


def test_a_repeat_or_a_refused_send_is_not_counted(app, client, swing):
    for n in range(4):
        from_address(client, n)
        response = public_report(client, client_id=f"{n:032x}", public_phone="13800138000")
        assert response.status_code == 303
    from_address(client, 10)
    for _ in range(3):
        # The same form again, and a form with a field to correct: neither is a new report.
        assert public_report(client, client_id=f"{0:032x}").status_code == 303
    refused = public_report(
        client, client_id="d" * 32, public_phone="13800138000", public_name=""
    )
    assert refused.status_code == 400
    from_address(client, 11)
    last = public_report(client, client_id="c" * 32, public_phone="+86 13800138000")
    assert last.status_code == 303
    with app.app_context():
        assert len(faults()) == 5


def test_a_phone_over_the_limit_keeps_its_photos_in_the_form(app, client, swing):
    for n in range(5):
        from_address(client, n)
        public_report(client, client_id=f"{n:032x}", public_phone="13800138000")
    from_address(client, 9)
    response = public_report(
        client, client_id="b" * 32, public_phone="138 0013 8000", photos=[photo()]
    )
    assert response.status_code == 429
    assert len(PHOTO_TOKEN.findall(page(response))) == 1


def test_staff_are_not_rate_limited(app, client, auth, swing):
    auth.login("inspector")
    for n in range(7):
        assert report(client, client_id=f"{n}" * 32).status_code == 303


# The confirmation page


def test_confirmation_page_opens_only_with_its_token(app, client, auth, swing):
    response = public_report(client)
    token = TOKEN_URL.search(response.headers["Location"]).group(1)
    assert client.get(f"/faults/reported/{token}").status_code == 200
    assert client.get(f"/faults/reported/{token[:-1]}").status_code == 404
    assert client.get("/faults/reported/None").status_code == 404
    auth.login("inspector")
    report(client, client_id="d" * 32)
    with app.app_context():
        assert faults()[1].public_token is None


def test_confirmation_page_and_photos_open_only_in_the_reporters_browser(app, client, swing):
    response = public_report(client, photos=[photo()])
    address = response.headers["Location"]
    with app.app_context():
        photo_id = faults()[0].photos[0].id
    photo_address = f"{address}/photos/{photo_id}"
    assert client.get(address).status_code == 200
    assert client.get(photo_address).status_code == 200

    elsewhere = app.test_client()
    assert elsewhere.get(address).status_code == 404
    assert elsewhere.get(photo_address).status_code == 404
    elsewhere.set_cookie("patrol_reporter", "x" * 43)
    assert elsewhere.get(address).status_code == 404
    assert PUBLIC_NAME not in page(elsewhere.get(address))


def test_the_report_form_gives_a_browser_its_id_before_the_first_send(app, client, swing):
    """A retry whose first answer was lost comes with the id the first send had; the report
    keeps only its hash, which opens nothing."""

    def reporter_cookies(response):
        return [c for c in response.headers.getlist("Set-Cookie") if c.startswith("patrol_")]

    (cookie,) = reporter_cookies(client.get(f"/q/{SWING}/report"))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Max-Age=31536000" in cookie
    browser_id = re.match(r"patrol_reporter=([A-Za-z0-9_-]{43});", cookie).group(1)
    assert reporter_cookies(client.get(f"/q/{SWING}/report")) == []
    response = public_report(client)
    assert response.status_code == 303 and reporter_cookies(response) == []
    with app.app_context():
        kept = faults()[0].reporter_browser
    assert kept == hashlib.sha256(browser_id.encode()).hexdigest()


def test_a_report_made_before_browsers_were_kept_opens_for_nobody(app, client, swing):
    response = public_report(client)
    with app.app_context():
        faults()[0].reporter_browser = None
        db.session.commit()
    assert client.get(response.headers["Location"]).status_code == 404


def test_confirmation_page_shows_where_the_report_stands(app, client, swing):
    response = public_report(client)
    with app.app_context():
        fault = faults()[0]
        fault.status = FaultStatus.IN_PROGRESS
        db.session.commit()
    assert "In progress" in page(client.get(response.headers["Location"]))


# Scanning a plate while a job is open on it


def assign(fault_id, username, status=FaultStatus.ASSIGNED):
    fault = db.session.get(Fault, fault_id)
    fault.assigned_to = user(username)
    fault.status = status


def test_a_repairer_scanning_their_job_goes_straight_to_it(app, client, auth, swing):
    auth.login("inspector")
    report(client, client_id="1" * 32, urgency="needs_repair")
    report(client, client_id="2" * 32, urgency="unsafe")
    report(client, client_id="3" * 32, urgency="unsafe")
    with app.app_context():
        older, unsafe, later_unsafe = (f.id for f in faults())
        assign(older, "repairer")
        assign(unsafe, "repairer", FaultStatus.IN_PROGRESS)
        assign(later_unsafe, "repairer")
        db.session.commit()

    assert client.get(f"/q/{SWING}").status_code == 200
    auth.login("repairer")
    response = client.get(f"/q/{SWING}")
    assert response.status_code == 302
    # The repair in progress opens at its sign-off form.
    assert response.headers["Location"] == f"/faults/{unsafe}#complete"

    with app.app_context():
        db.session.get(Fault, unsafe).status = FaultStatus.REPAIRED
        db.session.commit()
    assert client.get(f"/q/{SWING}").headers["Location"] == f"/faults/{later_unsafe}"

    with app.app_context():
        db.session.get(Fault, older).status = FaultStatus.IN_PROGRESS
        db.session.commit()
    # A repair under way comes before an unsafe job not yet started.
    assert client.get(f"/q/{SWING}").headers["Location"] == f"/faults/{older}#complete"

    with app.app_context():
        for fault_id in (older, later_unsafe):
            db.session.get(Fault, fault_id).status = FaultStatus.REPAIRED
        db.session.commit()
    assert client.get(f"/q/{SWING}").status_code == 200


def test_a_repairer_scanning_someone_elses_job_sees_the_asset(app, client, auth, swing):
    auth.login("inspector")
    report(client)
    with app.app_context():
        assign(faults()[0].id, "admin")
        db.session.commit()
    auth.login("repairer")
    assert client.get(f"/q/{SWING}").status_code == 200


def test_staff_find_the_report_form_on_the_scan_page(app, client, auth):
    with app.app_context():
        code = make_asset().code
        db.session.commit()
    auth.login("inspector")
    page = client.get(f"/q/{code}").get_data(as_text=True)
    assert f'href="/q/{code}/report"' in page


def test_a_send_that_finds_every_decoder_busy_is_answered_retry_later(
    app, client, swing, monkeypatch
):
    monkeypatch.setattr(decoding, "DECODE_WAIT", 0.01)
    taken = [decoding.decode_slot() for _ in range(decoding.DECODE_SLOTS)]
    for slot in taken:
        slot.__enter__()
    try:
        response = client.post(
            f"/q/{SWING}/report",
            data={"description": "Chain loose", "urgency": "unsafe", "client_id": "c" * 32,
                  "public_name": PUBLIC_NAME, "photos": [photo()]},
            content_type="multipart/form-data",
            headers={"X-Patrol-Outbox": "1", "Accept-Language": "en"},
        )
        html = public_report(client, photos=[photo()], client_id="d" * 32)
    finally:
        for slot in taken:
            slot.__exit__(None, None, None)
    # 503 is what the phone's outbox keeps and sends again.
    assert response.status_code == 503 and html.status_code == 503
    assert response.headers["Retry-After"] == html.headers["Retry-After"] == "5"
    assert response.json["error"] == "busy" and "busy" in response.json["message"]
    with app.app_context():
        assert faults() == []


def test_the_reporters_page_opens_in_a_deployment_of_several_schools(app, client, swing):
    """A signed-out visitor is in no school: the token says which one the fault is in."""
    assert public_report(client, photos=[photo()]).status_code == 303
    with app.app_context():
        (fault,) = faults()
        token, photo_id = fault.public_token, fault.photos[0].id
        make_school("east")
        db.session.commit()

    thanks = client.get(f"/faults/reported/{token}")
    assert thanks.status_code == 200
    assert "The seat is cracked" in page(thanks)
    assert client.get(f"/faults/reported/{token}/photos/{photo_id}").status_code == 200
    assert client.get(f"/faults/reported/{'x' * 22}").status_code == 404
