"""Every response, pages, errors, redirects and files alike, carries the browser guards."""

import pytest

from app import create_app
from app.security_headers import HEADERS
from tests.conftest import base_config


def assert_guarded(response):
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(
    "url, status",
    [("/login", 200), ("/", 302), ("/no/such/page", 404), ("/static/css/patrol.css", 200)],
)
def test_signed_out_responses_are_guarded(client, url, status):
    response = client.get(url)
    assert response.status_code == status
    assert_guarded(response)


def test_signed_in_pages_and_refusals_are_guarded(client, auth):
    auth.login("inspector")
    assert_guarded(client.get("/today"))
    refused = client.get("/users/")
    assert refused.status_code == 403
    assert_guarded(refused)


def test_headers_set_by_a_view_are_kept(app, client):
    app.add_url_rule("/framed", "framed", lambda: ("", 200, {"X-Frame-Options": "SAMEORIGIN"}))
    response = client.get("/framed")
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert response.headers["Referrer-Policy"] == HEADERS["Referrer-Policy"]


def test_production_tells_browsers_to_use_https_only(app, tmp_path):
    production = create_app(
        {**base_config(tmp_path, app.config["DATABASE_URL"]), "PATROL_ENV": "production"}
    )
    client = production.test_client()
    for url in ("/login", "/", "/no/such/page", "/static/css/patrol.css"):
        response = client.get(url)
        assert response.headers["Strict-Transport-Security"] == (
            "max-age=31536000; includeSubDomains"
        ), url
        assert_guarded(response)


def test_development_serves_the_lan_over_plain_http(client):
    assert client.application.config["PATROL_ENV"] == "development"
    for url in ("/login", "/", "/static/css/patrol.css"):
        assert "Strict-Transport-Security" not in client.get(url).headers
