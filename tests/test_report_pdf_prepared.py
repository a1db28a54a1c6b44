"""The report PDF laid out by the worker: asked for, waited for, downloaded by its asker."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app import worker
from app.extensions import db
from app.models import PreparedReport, PreparedStatus, Role
from app.models.common import utcnow
from app.reports import pdf, preparing
from app.reports import tasks as report_tasks
from tests.factories import make_place, make_user, user

JUNE = "period=month&month=2025-06"


def _ask(client, query=JUNE):
    return client.post(f"/reports/report.pdf?{query}")


def _prepared(prepared_id=None):
    query = sa.select(PreparedReport).order_by(PreparedReport.id)
    if prepared_id is not None:
        query = query.where(PreparedReport.id == prepared_id)
    return db.session.scalars(query).all()


@pytest.fixture
def no_layout_in_requests(monkeypatch):
    """Fails any PDF laid out while it is in place: a request must not wait for one."""

    def refused(*args, **kwargs):
        raise AssertionError("a PDF was laid out inside the request")

    monkeypatch.setattr(pdf, "render_pdf", refused)
    return monkeypatch


def test_asking_queues_the_pdf_and_answers_at_once(app, client, auth, worker_queue,
                                                   no_layout_in_requests):
    auth.login()
    asked = _ask(client)
    assert asked.status_code == 303
    assert worker_queue.waiting() == ["prepare_pdf"]
    with app.app_context():
        (prepared,) = _prepared()
        assert prepared.status == PreparedStatus.WAITING
        assert prepared.user_id == user("admin").id
        assert prepared.choice == "month=2025-06&period=month"
        assert prepared.language == "en"
        assert prepared.content is None
        assert asked.location == f"/reports/pdf/{prepared.id}"
    page = client.get(asked.location)
    assert page.status_code == 200
    assert "The PDF is being prepared" in page.text
    assert '<meta http-equiv="refresh" content="3">' in page.text
    assert "June 2025" in page.text and "The whole school" in page.text
    assert "/download" not in page.text


def test_the_page_waiting_speaks_chinese(app, client, auth, worker_queue):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    auth.login()
    page = client.get(_ask(client).location)
    assert "正在生成 PDF" in page.text and "准备好后即可下载" in page.text
    with app.app_context():
        assert _prepared()[0].language == "zh"


def test_a_double_tap_prepares_one_pdf(app, client, auth, worker_queue):
    auth.login()
    first, second = _ask(client), _ask(client)
    assert first.location == second.location
    assert worker_queue.waiting() == ["prepare_pdf"]
    worker_queue.run()
    again = _ask(client)
    assert again.location == first.location  # ready: the same one again
    assert worker_queue.waiting() == []
    with app.app_context():
        assert len(_prepared()) == 1


def test_another_choice_or_language_is_another_pdf(app, client, auth, worker_queue):
    auth.login()
    june = _ask(client).location
    may = _ask(client, "period=month&month=2025-05").location
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    june_in_chinese = _ask(client).location
    assert len({june, may, june_in_chinese}) == 3
    assert worker_queue.waiting() == ["prepare_pdf"] * 3


def test_the_worker_lays_it_out_and_the_asker_downloads_it(app, client, auth, worker_queue):
    auth.login()
    asked = _ask(client)
    assert worker_queue.run() == ["prepare_pdf"]
    with app.app_context():
        (prepared,) = _prepared()
        assert prepared.status == PreparedStatus.READY
        assert prepared.expires_at - prepared.ready_at == timedelta(hours=24)
    page = client.get(asked.location)
    assert "The PDF is ready." in page.text
    assert "http-equiv" not in page.text
    assert f'href="{asked.location}/download"' in page.text
    document = client.get(f"{asked.location}/download")
    assert document.status_code == 200
    assert document.mimetype == "application/pdf" and document.data.startswith(b"%PDF")
    assert document.headers["Content-Disposition"] == (
        'attachment; filename="patrol-report-2025-06.pdf"'
    )
    assert "no-store" in document.headers["Cache-Control"]


def test_only_the_asker_sees_or_downloads_it(app, client, auth, worker_queue):
    with app.app_context():
        make_user("deputy", Role.ADMIN)
        db.session.commit()
    auth.login()
    asked = _ask(client)
    worker_queue.run()
    auth.logout()
    auth.login("deputy")
    assert client.get(asked.location).status_code == 404
    assert client.get(f"{asked.location}/download").status_code == 404
    assert client.get("/reports/pdf/999999").status_code == 404


@pytest.mark.parametrize("path", ["", "/download"])
def test_only_admins_ask_for_or_see_a_pdf(app, client, auth, worker_queue, path):
    auth.login()
    location = _ask(client).location + path
    auth.logout()
    for username in ("inspector", "repairer"):
        auth.login(username)
        assert _ask(client).status_code == 403
        assert client.get(location).status_code == 403
        auth.logout()
    signed_out = client.get(location)
    assert signed_out.status_code == 302 and signed_out.location.startswith("/login?next=")
    assert _ask(client).status_code == 302
    assert worker_queue.waiting() == ["prepare_pdf"]


def test_it_is_kept_for_the_hours_configured_then_deleted(app, client, auth, worker_queue):
    app.config["PREPARED_REPORT_HOURS"] = 2
    auth.login()
    asked = _ask(client)
    worker_queue.run()
    with app.app_context():
        (prepared,) = _prepared()
        assert prepared.expires_at - prepared.ready_at == timedelta(hours=2)
        later = prepared.expires_at
        assert preparing.delete_expired(now=later - timedelta(seconds=1)) == 0
        assert preparing.find_for(user("admin"), prepared.id, now=later) is None
        prepared.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert client.get(f"{asked.location}/download").status_code == 404
    assert client.get(asked.location).status_code == 404
    report_tasks.delete_expired_pdfs.call_local()
    with app.app_context():
        assert _prepared() == []
    _ask(client)
    assert worker_queue.waiting() == ["prepare_pdf"]  # asked again: prepared anew


def test_a_failure_says_why_and_asking_again_tries_again(app, client, auth, worker_queue,
                                                          monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise OSError("Pango is missing")

    auth.login()
    asked = _ask(client)
    with monkeypatch.context() as patched:
        patched.setattr(pdf, "render_pdf", broken)
        worker_queue.run()
    assert "Pango is missing" in caplog.text
    with app.app_context():
        (failed,) = _prepared()
        assert failed.status == PreparedStatus.FAILED and failed.content is None
    page = client.get(asked.location)
    assert "The PDF could not be made: Something went wrong while laying it out" in page.text
    assert "Pango" not in page.text
    assert 'action="/reports/report.pdf?month=2025-06&amp;period=month"' in page.text
    assert "Try again" in page.text
    retried = _ask(client)
    assert retried.location != asked.location
    worker_queue.run()
    assert "The PDF is ready." in client.get(retried.location).text


def test_a_place_deleted_before_the_worker_came_fails_in_words(app, client, auth,
                                                              worker_queue):
    with app.app_context():
        place_id = make_place("小一班", "Junior Class 1").id
        db.session.commit()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    auth.login()
    asked = _ask(client, f"{JUNE}&place={place_id}")
    with app.app_context():
        for table, column in (("scan_codes", "place_id"), ("places", "id")):
            db.session.execute(sa.text(f"DELETE FROM {table} WHERE {column} = :id"),
                               {"id": place_id})
        db.session.commit()
    worker_queue.run()
    with app.app_context():
        (failed,) = _prepared()
        assert failed.status == PreparedStatus.FAILED
        assert "没有这个场所" in failed.error
    assert "没有这个场所" in client.get(asked.location).text


def test_a_queue_out_of_reach_fails_at_once_and_can_be_tried_again(app, client, auth,
                                                                    worker_queue, monkeypatch):
    def unreachable(*args, **kwargs):
        raise ConnectionError("Connection refused")

    auth.login()
    with monkeypatch.context() as patched:
        patched.setattr(worker.queue.storage, "enqueue", unreachable)
        asked = _ask(client)
    page = client.get(asked.location)
    assert "task queue could not be reached. Try again in a moment." in page.text
    assert _ask(client).location != asked.location
    assert worker_queue.waiting() == ["prepare_pdf"]


def test_one_stalled_waiting_is_asked_for_anew(app, client, auth, worker_queue):
    auth.login()
    asked = _ask(client)
    with app.app_context():
        (prepared,) = _prepared()
        prepared.created_at = utcnow() - preparing.SLOW
        db.session.commit()
    page = client.get(asked.location)
    assert "This is taking longer than usual" in page.text
    assert _ask(client).location == asked.location
    with app.app_context():
        prepared = _prepared()[0]
        prepared.created_at = utcnow() - preparing.STALLED
        db.session.commit()
    assert _ask(client).location != asked.location


def test_a_task_run_twice_lays_it_out_once(app, client, auth, worker_queue, monkeypatch):
    auth.login()
    _ask(client)
    worker_queue.run()
    with app.app_context():
        prepared_id = _prepared()[0].id
    monkeypatch.setattr(pdf, "render_pdf", lambda *args: pytest.fail("laid out twice"))
    report_tasks.prepare_pdf.call_local(prepared_id)
    report_tasks.prepare_pdf.call_local(999999)  # deleted meanwhile


def test_the_report_page_asks_by_post_with_its_token(app, client, auth, worker_queue):
    auth.login()
    app.config["WTF_CSRF_ENABLED"] = True
    page = client.get(f"/reports/report?{JUNE}")
    assert 'method="post" action="/reports/report.pdf?period=month&amp;month=2025-06"' in page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)[1]
    assert _ask(client).status_code == 400  # no token
    assert worker_queue.waiting() == []
    with_token = client.post(f"/reports/report.pdf?{JUNE}", data={"csrf_token": token})
    assert with_token.status_code == 303
    assert worker_queue.waiting() == ["prepare_pdf"]


def test_a_link_to_the_pdf_offers_to_prepare_it(app, client, auth, worker_queue):
    auth.login()
    page = client.get(f"/reports/report.pdf?{JUNE}")
    assert page.status_code == 200
    assert "Prepare the PDF" in page.text
    assert 'method="post" action="/reports/report.pdf?period=month&amp;month=2025-06"' in page.text
    assert worker_queue.waiting() == []
