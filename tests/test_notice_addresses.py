"""Which chat and webhook addresses Patrol posts to: public https:// ones only, unless told."""

import ipaddress
import socket

import pytest
from flask_babel import force_locale

from app.notices import addresses
from app.notices.addresses import CheckedAddress, check_webhook_url, webhook_url_problem


@pytest.fixture
def strict(app):
    """The rules as in production: no http://, nothing inside the network."""
    app.config["WEBHOOKS_ALLOW_PRIVATE"] = False
    with app.app_context():
        yield


@pytest.fixture
def resolves_to(monkeypatch):
    """Make every host name resolve to these addresses, as a DNS server might answer."""

    def answer(*found):
        def getaddrinfo(host, port, *args, **kwargs):
            return [
                (socket.AF_INET6 if ":" in ip else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                 (ip, port))
                for ip in found
            ]

        monkeypatch.setattr(addresses.socket, "getaddrinfo", getaddrinfo)

    return answer


def test_a_public_https_address_is_taken(strict, resolves_to):
    resolves_to("203.119.129.1", "2408:4001:f10::1")
    assert webhook_url_problem("https://oapi.dingtalk.com/robot/send?access_token=abc") is None
    assert webhook_url_problem("https://8.8.8.8/hook") is None
    assert webhook_url_problem("https://[2001:4860:4860::8888]:8443/hook") is None


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://127.0.0.2:8443/hook",
        "https://10.1.2.3/hook",
        "https://172.16.0.1/hook",
        "https://192.168.1.10/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://100.64.0.1/hook",
        "https://0.0.0.0/hook",
        "https://224.0.0.1/hook",
        "https://240.0.0.1/hook",
        "https://255.255.255.255/hook",
        "https://[::1]/hook",
        "https://[::]/hook",
        "https://[fe80::1]/hook",
        "https://[fc00::1]/hook",
        "https://[ff02::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://[::ffff:10.0.0.1]/hook",
        "https://[2002:7f00:1::1]/hook",
        "https://[64:ff9b::a00:1]/hook",
        # Spellings of 127.0.0.1 that only the resolver reads as numbers.
        "https://2130706433/hook",
        "https://0x7f.1/hook",
    ],
)
def test_an_address_inside_the_network_is_refused(strict, url):
    assert "public" in webhook_url_problem(url)


def test_a_name_resolving_inside_the_network_is_refused(strict, resolves_to):
    resolves_to("10.0.0.8")
    assert "“robot.school.lan” is inside" in webhook_url_problem("https://robot.school.lan/x")
    # One private answer among public ones is enough: the connection may pick it.
    resolves_to("8.8.8.8", "192.168.0.4")
    assert webhook_url_problem("https://robot.example.com/x") is not None
    resolves_to("::ffff:169.254.169.254")
    assert webhook_url_problem("https://metadata.example.com/x") is not None


def test_a_name_that_cannot_be_resolved_is_refused_clearly(strict, monkeypatch):
    def no_such_host(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(addresses.socket, "getaddrinfo", no_such_host)
    problem = webhook_url_problem("https://qyapi.weixin.qq.example/cgi-bin/webhook/send")
    assert problem == (
        "The server “qyapi.weixin.qq.example” could not be found: check the address."
    )
    with force_locale("zh"):
        assert "找不到" in webhook_url_problem("https://qyapi.weixin.qq.example/")


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://8.8.8.8/hook", "must start with https://"),
        ("ftp://8.8.8.8/hook", "must start with https://"),
        ("oapi.dingtalk.com/robot/send", "must start with https://"),
        ("https:///robot/send", "no server name"),
        ("https://robot:secret@8.8.8.8/hook", "user name or password"),
        ("https://token@8.8.8.8/hook", "user name or password"),
        ("https://8.8.8.8:99999/hook", "not a valid web address"),
        ("https://[::1/hook", "not a valid web address"),
    ],
)
def test_a_malformed_address_is_refused(strict, url, problem):
    assert problem in webhook_url_problem(url)


def test_a_send_connects_to_an_answer_the_check_judged(strict, resolves_to):
    resolves_to("203.119.129.1", "2408:4001:f10::1")
    checked = check_webhook_url("https://oapi.dingtalk.com/robot/send?access_token=abc")
    assert checked == CheckedAddress(connect_to=ipaddress.ip_address("203.119.129.1"))
    resolves_to("203.119.129.1", "127.0.0.1")
    checked = check_webhook_url("https://oapi.dingtalk.com/robot/send?access_token=abc")
    assert checked.problem is not None and checked.connect_to is None


def test_allowing_private_addresses_takes_http_and_the_local_network(app, monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("nothing is looked up when private addresses are allowed")

    monkeypatch.setattr(addresses.socket, "getaddrinfo", never)
    with app.app_context():
        assert app.config["WEBHOOKS_ALLOW_PRIVATE"] is True
        assert webhook_url_problem("http://127.0.0.1:8080/hook") is None
        assert webhook_url_problem("https://district.lan/patrol") is None
        # The connection looks the name up itself.
        assert check_webhook_url("https://district.lan/patrol") == CheckedAddress()
        # Still no other scheme, no credentials, and a host.
        assert webhook_url_problem("file:///etc/passwd") is not None
        assert webhook_url_problem("http://user:pw@127.0.0.1/") is not None
        assert webhook_url_problem("http:///hook") is not None


def test_the_setting_is_read_from_the_environment(monkeypatch, tmp_path):
    from app import create_app

    monkeypatch.setenv("WEBHOOKS_ALLOW_PRIVATE", "0")
    monkeypatch.setenv("NOTICE_SEND_TIMEOUT", "2.5")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'env.sqlite'}")
    monkeypatch.setenv("SECRET_KEY", "test")
    app = create_app()
    assert app.config["WEBHOOKS_ALLOW_PRIVATE"] is False
    assert app.config["NOTICE_SEND_TIMEOUT"] == 2.5
    monkeypatch.setenv("WEBHOOKS_ALLOW_PRIVATE", "yes")
    assert create_app().config["WEBHOOKS_ALLOW_PRIVATE"] is True
