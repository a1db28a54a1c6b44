"""The logistics head's chat channels, notice times and test messages."""

import re
import socket
import threading

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Channel, ChannelKind, DeliveryStatus, Reason
from app.notices.cli import WECOM_OK, receiver_server
from tests.factories import make_channel, make_delivery, make_notice, set_school

WECOM_URL = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=9d3f1c2a-robot-key-7b8e"
WECOM_KEY = "9d3f1c2a-robot-key-7b8e"
# A public address written as one, so checking it needs no name lookup.
PUBLIC_URL = "https://93.184.216.34/cgi-bin/webhook/send?key=9d3f1c2a-robot-key-7b8e"
DINGTALK_SECRET = "SEC4b1f0e2d9c8a7b6e5f4d3c2b1a0e9f8d7c6b5a49f8e7d6c5b4a3f2e1d0c3f9a"


def text(response):
    return response.get_data(as_text=True)


def channel_data(**overrides):
    data = {
        "name": "后勤维修群",
        "kind": "wecom",
        "url": WECOM_URL,
        "secret": "",
        "language": "zh",
        "reasons": ["unsafe", "overdue"],
    }
    data.update(overrides)
    return data


def only_channel():
    return db.session.scalars(sa.select(Channel)).one()


def no_channel():
    return db.session.scalar(sa.select(sa.func.count()).select_from(Channel)) == 0


def add_channel(app, **fields):
    with app.app_context():
        channel = make_channel(**fields)
        db.session.commit()
        return channel.id


@pytest.fixture
def private_refused(app):
    """Patrol as it runs in a school: chats only at public https:// addresses."""
    app.config["WEBHOOKS_ALLOW_PRIVATE"] = False
    return app


# Who may use the pages

GETS = ["/notices/", "/notices/channels/new", "/notices/channels/{id}", "/notices/times",
        "/notices/deliveries", "/notices/deliveries/{delivery}"]
POSTS = ["/notices/channels/new", "/notices/channels/{id}", "/notices/channels/{id}/test",
         "/notices/channels/{id}/switch-off", "/notices/channels/{id}/switch-on",
         "/notices/times", "/notices/deliveries/{delivery}/resend"]


@pytest.fixture
def rows(app):
    with app.app_context():
        channel = make_channel(url=WECOM_URL)
        delivery = make_delivery(make_notice(), channel, status=DeliveryStatus.FAILED)
        db.session.commit()
        return {"id": channel.id, "delivery": delivery.id}


@pytest.mark.parametrize(
    "method, path", [("get", path) for path in GETS] + [("post", path) for path in POSTS]
)
def test_signed_out_people_are_sent_to_sign_in(client, rows, method, path):
    response = getattr(client, method)(path.format(**rows))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("username", ["inspector", "repairer"])
@pytest.mark.parametrize("path", GETS)
def test_only_the_admin_sees_the_pages(client, auth, rows, username, path):
    auth.login(username)
    assert client.get(path.format(**rows)).status_code == 403


@pytest.mark.parametrize("username", ["inspector", "repairer"])
@pytest.mark.parametrize("path", POSTS)
def test_only_the_admin_changes_anything(app, client, auth, rows, username, path):
    auth.login(username)
    response = client.post(path.format(**rows), data=channel_data(name="Taken over"))
    assert response.status_code == 403
    with app.app_context():
        channel = db.session.get(Channel, rows["id"])
        assert channel.name != "Taken over"
        assert channel.active


@pytest.mark.parametrize("path", GETS)
def test_the_admin_sees_every_page(client, auth, rows, path):
    auth.login()
    assert client.get(path.format(**rows)).status_code == 200


def test_the_admin_finds_the_pages_from_home_and_the_menu(client, auth):
    auth.login()
    assert text(client.get("/")).count('href="/notices/"') == 2


def test_inspectors_are_not_shown_the_link(client, auth):
    auth.login("inspector")
    assert 'href="/notices/"' not in text(client.get("/"))


@pytest.mark.parametrize(
    "path", ["/notices/channels/new", "/notices/channels/{id}", "/notices/channels/{id}/test",
             "/notices/channels/{id}/switch-off", "/notices/times"]
)
def test_every_form_needs_its_csrf_token(app, client, auth, rows, path):
    auth.login()
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post(path.format(**rows), data=channel_data(name="Forged"))
    assert response.status_code == 400
    with app.app_context():
        assert db.session.get(Channel, rows["id"]).active
        assert db.session.scalar(sa.select(Channel).where(Channel.name == "Forged")) is None


def test_the_pages_carry_csrf_tokens(app, client, auth, rows):
    app.config["WTF_CSRF_ENABLED"] = True
    client.get("/login")
    auth.login()
    for path in ("/notices/channels/new", f"/notices/channels/{rows['id']}", "/notices/times",
                 f"/notices/deliveries/{rows['delivery']}"):
        page = text(client.get(path))
        assert page.count("<form") == page.count('name="csrf_token"'), path


# Adding a channel


def test_a_new_channel_starts_with_the_school_language_and_what_needs_acting_on(app, client, auth):
    set_school(app, language="en")
    auth.login()
    page = text(client.get("/notices/channels/new"))
    ticked = set(re.findall(r'name="reasons" value="(\w+)" checked', page))
    assert ticked == {"unsafe", "overdue", "reminder"}
    assert '<option selected value="en">' in page
    assert 'value="test"' not in page
    assert "Not done yet" in page and "The week in numbers" in page


def test_the_admin_adds_a_wecom_chat(app, client, auth):
    auth.login()
    response = client.post("/notices/channels/new", data=channel_data())
    assert response.status_code == 303
    with app.app_context():
        channel = only_channel()
        assert channel.name == "后勤维修群"
        assert channel.kind == ChannelKind.WECOM
        assert channel.url == WECOM_URL
        assert channel.secret is None
        assert channel.language == "zh"
        assert channel.reason_set == {Reason.UNSAFE, Reason.OVERDUE}
        assert channel.active
        assert response.headers["Location"] == f"/notices/channels/{channel.id}"


def test_a_public_https_address_passes_the_real_check(private_refused, client, auth):
    auth.login()
    response = client.post("/notices/channels/new", data=channel_data(url=PUBLIC_URL))
    assert response.status_code == 303


@pytest.mark.parametrize(
    "url, message",
    [
        ("javascript:alert(1)", "must start with https://"),
        ("http://93.184.216.34/cgi-bin/webhook/send?key=abc", "must start with https://"),
        ("https://192.168.1.20/cgi-bin/webhook/send?key=abc", "not on the public internet"),
        ("https://127.0.0.1:9100/cgi-bin/webhook/send?key=abc", "not on the public internet"),
        ("https://[::1]/hook", "not on the public internet"),
        ("https://user:pw@93.184.216.34/hook", "user name or password"),
        ("https:///cgi-bin/webhook/send", "no server name"),
        ("", "Paste the robot"),
    ],
)
def test_an_address_patrol_may_not_post_to_is_refused(
    private_refused, client, auth, url, message
):
    auth.login()
    response = client.post("/notices/channels/new", data=channel_data(url=url))
    assert response.status_code == 400
    page = text(response)
    assert message in page
    # What was typed stays in the form.
    assert 'value="后勤维修群"' in page
    with private_refused.app_context():
        assert no_channel()


def test_the_refusal_is_in_the_admins_language(private_refused, client, auth):
    auth.login()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    page = text(client.post("/notices/channels/new", data=channel_data(url="javascript:alert(1)")))
    assert "https://" in page
    assert "请" in page or "必须" in page
    assert "must start with" not in page


def test_http_on_this_network_is_allowed_when_the_school_allows_it(app, client, auth):
    app.config["WEBHOOKS_ALLOW_PRIVATE"] = True
    auth.login()
    url = "http://127.0.0.1:9100/cgi-bin/webhook/send?key=demo"
    assert client.post("/notices/channels/new", data=channel_data(url=url)).status_code == 303


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("name", "", "Give the chat a name"),
        ("name", "群" * 10_000, "At most 80 characters"),
        ("url", "https://93.184.216.34/" + "k" * 10_000, "At most 500 characters"),
        ("secret", "s" * 10_000, "At most 200 characters"),
        ("kind", "telegram", "Not a valid choice"),
        ("language", "fr", "Not a valid choice"),
        ("reasons", [], "Tick at least one reason"),
        ("reasons", ["unsafe", "test"], "not a valid choice"),
        ("reasons", ["<script>"], "not a valid choice"),
    ],
)
def test_wrong_or_missing_or_oversized_input_is_refused(app, client, auth, field, value, message):
    auth.login()
    response = client.post("/notices/channels/new", data=channel_data(**{field: value}))
    assert response.status_code == 400
    assert message in text(response)
    with app.app_context():
        assert no_channel()


def test_a_missing_field_is_refused_not_an_error(app, client, auth):
    auth.login()
    data = channel_data()
    del data["kind"], data["language"]
    assert client.post("/notices/channels/new", data=data).status_code == 400


def test_html_in_a_name_is_shown_as_typed(app, client, auth):
    auth.login()
    name = '<img src=x onerror="alert(1)">群'
    client.post("/notices/channels/new", data=channel_data(name=name))
    with app.app_context():
        channel_id = only_channel().id
    for path in ("/notices/", f"/notices/channels/{channel_id}"):
        page = text(client.get(path))
        assert "<img src=x" not in page
        assert "&lt;img src=x onerror=" in page


# The secret and the address are never shown back


def test_dingtalk_keeps_its_signing_secret_and_shows_only_its_end(app, client, auth):
    auth.login()
    url = "https://oapi.dingtalk.com/robot/send?access_token=6c2b0f7a4e9d8c1b3a5f6e7d8c9b0a1f"
    client.post("/notices/channels/new",
                data=channel_data(kind="dingtalk", url=url, secret=DINGTALK_SECRET))
    with app.app_context():
        channel = only_channel()
        assert channel.secret == DINGTALK_SECRET
        channel_id = channel.id
    page = text(client.get(f"/notices/channels/{channel_id}"))
    assert "••••3f9a" in page
    assert_nothing_secret_in(page, DINGTALK_SECRET, "6c2b0f7a4e9d8c1b3a5f6e7d8c9b0a1f")


def test_a_short_secret_shows_none_of_its_characters(app, client, auth):
    channel_id = add_channel(app, kind=ChannelKind.FEISHU, secret="k9Zq7",
                             url="https://open.feishu.cn/open-apis/bot/v2/hook/abc")
    auth.login()
    page = text(client.get(f"/notices/channels/{channel_id}"))
    assert "••••" in page
    assert "Zq7" not in page


def assert_nothing_secret_in(page, *secrets):
    for secret in secrets:
        assert secret not in page
        # Nor most of it: anything longer than the four characters shown.
        assert secret[-8:] not in page


@pytest.fixture
def dingtalk(app):
    return add_channel(
        app,
        kind=ChannelKind.DINGTALK,
        url="https://oapi.dingtalk.com/robot/send?access_token=6c2b0f7a4e9d8c1b3a5f6e7d8c9b0a1f",
        secret=DINGTALK_SECRET,
        name="值班群",
        reasons=(Reason.UNSAFE,),
    )


def test_no_page_shows_the_secret_or_the_robots_key(app, client, auth, dingtalk):
    auth.login()
    with app.app_context():
        channel = db.session.get(Channel, dingtalk)
        notice = make_notice()
        make_delivery(notice, channel, status=DeliveryStatus.FAILED, attempt_count=1,
                      last_error=f"could not reach {channel.url} (secret {DINGTALK_SECRET})")
        db.session.commit()
        delivery_id = notice.deliveries[0].id
    pages = ["/notices/", f"/notices/channels/{dingtalk}", "/notices/deliveries",
             f"/notices/deliveries/{delivery_id}"]
    for path in pages:
        page = text(client.get(path))
        assert "6c2b0f7a4e9d8c1b" not in page, path
        assert_nothing_secret_in(page, DINGTALK_SECRET, "6c2b0f7a4e9d8c1b3a5f6e7d8c9b0a1f")
    # A refused edit does not echo the stored address or secret either.
    page = text(client.post(f"/notices/channels/{dingtalk}", data=channel_data(
        kind="dingtalk", url="", name="")))
    assert_nothing_secret_in(page, DINGTALK_SECRET, "6c2b0f7a4e9d8c1b3a5f6e7d8c9b0a1f")


def test_the_list_masks_the_key_in_the_address(app, client, auth):
    add_channel(app, url=WECOM_URL)
    auth.login()
    page = text(client.get("/notices/"))
    assert "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=••••7b8e" in page
    assert WECOM_KEY not in page


def test_feishus_token_in_the_path_is_masked(app, client, auth):
    token = "2f6d8b1e-7c3a-4e5f-9a0b-1c2d3e4f5a6b"
    add_channel(app, kind=ChannelKind.FEISHU,
                url=f"https://open.feishu.cn/open-apis/bot/v2/hook/{token}")
    auth.login()
    page = text(client.get("/notices/"))
    assert "https://open.feishu.cn/open-apis/bot/v2/hook/••••5a6b" in page
    assert token not in page


def edit(channel_id, **overrides):
    data = channel_data(kind="dingtalk", url="", secret="", name="值班群", reasons=["unsafe"])
    data.update(overrides)
    return data


def test_a_blank_secret_and_address_keep_the_stored_ones(app, client, auth, dingtalk):
    auth.login()
    response = client.post(f"/notices/channels/{dingtalk}", data=edit(dingtalk, name="新名字"))
    assert response.status_code == 303
    with app.app_context():
        channel = db.session.get(Channel, dingtalk)
        assert channel.name == "新名字"
        assert channel.secret == DINGTALK_SECRET
        assert channel.url.endswith("access_token=6c2b0f7a4e9d8c1b3a5f6e7d8c9b0a1f")


def test_a_typed_secret_and_address_replace_the_stored_ones(app, client, auth, dingtalk):
    auth.login()
    url = "https://oapi.dingtalk.com/robot/send?access_token=ffff0000"
    client.post(f"/notices/channels/{dingtalk}", data=edit(dingtalk, url=url, secret="SECnew"))
    with app.app_context():
        channel = db.session.get(Channel, dingtalk)
        assert (channel.url, channel.secret) == (url, "SECnew")


def test_the_secret_is_removed_only_when_asked(app, client, auth, dingtalk):
    auth.login()
    page = text(client.get(f"/notices/channels/{dingtalk}"))
    assert "Remove the secret" in page
    client.post(f"/notices/channels/{dingtalk}", data=edit(dingtalk, remove_secret="y"))
    with app.app_context():
        assert db.session.get(Channel, dingtalk).secret is None


def test_typing_a_secret_and_removing_it_at_once_is_refused(app, client, auth, dingtalk):
    auth.login()
    response = client.post(f"/notices/channels/{dingtalk}",
                           data=edit(dingtalk, secret="SECother", remove_secret="y"))
    assert response.status_code == 400
    assert "not both" in text(response)
    with app.app_context():
        assert db.session.get(Channel, dingtalk).secret == DINGTALK_SECRET


def test_a_wecom_robot_takes_no_secret(app, client, auth):
    auth.login()
    response = client.post("/notices/channels/new", data=channel_data(secret="abc"))
    assert response.status_code == 400
    assert "has no secret" in text(response)


def test_a_signed_webhook_needs_a_secret(app, client, auth):
    auth.login()
    data = channel_data(kind="webhook", url="https://93.184.216.34/district/patrol")
    response = client.post("/notices/channels/new", data=data)
    assert response.status_code == 400
    assert "needs a secret" in text(response)
    data["secret"] = "district-shared-secret-2026"
    assert client.post("/notices/channels/new", data=data).status_code == 303


def test_an_edit_keeps_what_was_typed_when_refused(app, client, auth, dingtalk):
    auth.login()
    response = client.post(f"/notices/channels/{dingtalk}",
                           data=edit(dingtalk, name="新名字", url="javascript:alert(1)"))
    assert response.status_code == 400
    page = text(response)
    assert 'value="新名字"' in page
    assert "must start with https://" in page or "https://" in page


def test_the_admin_switches_a_chat_off_and_on(app, client, auth, dingtalk):
    auth.login()
    response = client.post(f"/notices/channels/{dingtalk}/switch-off")
    assert response.status_code == 303
    with app.app_context():
        assert not db.session.get(Channel, dingtalk).active
    page = text(client.get("/notices/"))
    assert "Off" in page
    client.post(f"/notices/channels/{dingtalk}/switch-on")
    with app.app_context():
        assert db.session.get(Channel, dingtalk).active


def test_an_unknown_channel_is_not_found(client, auth):
    auth.login()
    assert client.get("/notices/channels/999").status_code == 404
    assert client.post("/notices/channels/999/test").status_code == 404
    assert client.get("/notices/channels/99999999999999999999").status_code == 404


# The test message, to a real server on this machine


@pytest.fixture
def local_robot():
    """A WeCom group robot on this machine, as `flask notices receiver` runs it."""
    servers = []

    def start(answer=WECOM_OK):
        received = []
        server = receiver_server(
            "127.0.0.1", 0, answer, lambda path, body: received.append((path, body))
        )
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        url = f"http://127.0.0.1:{server.server_port}/cgi-bin/webhook/send?key=demo-robot-key-1"
        return url, received

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_a_test_message_reaches_the_chat_and_its_answer_is_shown(app, client, auth, local_robot):
    set_school(app, name="阳光小学")
    url, received = local_robot()
    channel_id = add_channel(app, url=url)
    auth.login()
    response = client.post(f"/notices/channels/{channel_id}/test", follow_redirects=True)
    page = text(response)
    assert "The test message was sent" in page
    assert "errmsg" in page and "ok" in page
    assert "demo-robot-key-1" not in page
    ((path, body),) = received
    assert path.endswith("key=demo-robot-key-1")
    content = body["text"]["content"]
    assert "Patrol 测试消息 / test" in content
    assert "阳光小学" in content
    assert "http://patrol.test/" in content


def test_a_chat_refusing_the_test_message_is_shown_as_failed(app, client, auth, local_robot):
    url, received = local_robot({"errcode": 93000, "errmsg": "invalid webhook url"})
    channel_id = add_channel(app, url=url)
    auth.login()
    page = text(client.post(f"/notices/channels/{channel_id}/test", follow_redirects=True))
    assert "did not get through" in page
    assert "93000" in page
    assert "The test message was sent" not in page
    assert len(received) == 1


@pytest.mark.parametrize(
    "kind, secret",
    [(ChannelKind.DINGTALK, DINGTALK_SECRET), (ChannelKind.FEISHU, "feishu-sign-key-0123456789"),
     (ChannelKind.WEBHOOK, "district-shared-secret-2026")],
)
def test_a_test_message_is_signed_with_the_stored_secret(app, client, auth, receiver, kind,
                                                         secret):
    robot = receiver(kind, secret)
    channel_id = add_channel(app, kind=kind, url=robot.url, secret=secret)
    auth.login()
    page = text(client.post(f"/notices/channels/{channel_id}/test", follow_redirects=True))
    assert "The test message was sent" in page
    (taken,) = robot.accepted
    assert "Patrol 测试消息 / test" in taken.body.decode()
    assert_nothing_secret_in(page, secret)


def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_chat_nobody_answers_is_shown_as_failed(app, client, auth):
    url = f"http://127.0.0.1:{closed_port()}/cgi-bin/webhook/send?key=demo-robot-key-1"
    channel_id = add_channel(app, url=url)
    auth.login()
    page = text(client.post(f"/notices/channels/{channel_id}/test", follow_redirects=True))
    assert "did not get through" in page
    assert "demo-robot-key-1" not in page


def test_the_receiver_command_is_there(runner):
    result = runner.invoke(args=["notices", "receiver", "--help"])
    assert result.exit_code == 0
    assert "--port" in result.output


# The notice times


def test_the_times_start_at_their_defaults(client, auth):
    auth.login()
    page = text(client.get("/notices/times"))
    assert 'value="07:30"' in page
    assert 'value="16:00"' in page


def test_the_admin_sets_the_times(app, client, auth):
    from app import settings

    auth.login()
    response = client.post("/notices/times", data={"morning_time": "06:45", "week_time": "15:30"})
    assert response.status_code == 303
    with app.app_context():
        assert settings.get("notices.morning_time") == "06:45"
        assert settings.get("notices.week_time") == "15:30"
    page = text(client.get("/notices/times"))
    assert 'value="06:45"' in page and 'value="15:30"' in page


@pytest.mark.parametrize("typed", ["25:00", "7.30", "", "<script>", "9" * 10_000, "12:60"])
def test_a_time_that_is_not_one_is_refused(app, client, auth, typed):
    from app import settings

    auth.login()
    response = client.post("/notices/times", data={"morning_time": typed, "week_time": "16:00"})
    assert response.status_code == 400
    page = text(response)
    assert "Enter a time like 07:30." in page
    if typed and len(typed) < 100:
        assert 'value="' + typed.replace("<", "&lt;").replace(">", "&gt;") + '"' in page
    with app.app_context():
        assert settings.get("notices.morning_time") is None


def test_the_times_page_speaks_chinese(client, auth):
    auth.login()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    page = text(client.post("/notices/times", data={"morning_time": "x", "week_time": "16:00"}))
    assert "07:30" in page
    assert "Enter a time" not in page
