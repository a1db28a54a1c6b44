"""Static files under content-hashed names: kept a year by phones, the plain names still served."""

import hashlib
import re
import shutil
from pathlib import Path

import rcssmin

from app.static_files import stored_file

IMMUTABLE = {"public", "max-age=31536000", "immutable"}


def directives(response):
    return {part.strip() for part in response.headers.get("Cache-Control", "").split(",")}


def test_pages_name_static_files_by_a_hash_of_their_contents(app, client, static_url):
    css = static_url("css/patrol.css")
    digest = hashlib.sha256(Path(app.static_folder, "css/patrol.css").read_bytes()).hexdigest()
    assert css == f"/static/css/patrol.{digest[:12]}.css"
    assert static_url("vendor/signature_pad.umd.min.js").startswith(
        "/static/vendor/signature_pad.umd.min."
    )
    page = client.get("/login").get_data(as_text=True)
    assert f'href="{css}"' in page
    assert not re.search(r'(?:src|href)="/static/[^"]*/[^/."]+\.(?:css|js|png|svg)"', page)


def test_a_hashed_name_is_kept_a_year(app, client, static_url):
    response = client.get(static_url("css/patrol.css"))
    assert response.status_code == 200
    assert directives(response) == IMMUTABLE
    stored = Path(app.static_folder, "css/patrol.css").read_text()
    assert response.get_data() == rcssmin.cssmin(stored).encode()
    assert response.mimetype == "text/css"
    # The file is the same for everyone: no cookie makes a phone fetch it again.
    assert "cookie" not in response.headers.get("Vary", "").lower()
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_plain_name_is_still_served_and_asked_again_each_time(app, client):
    """Pages kept on phones from before name files plainly."""
    response = client.get("/static/css/patrol.css")
    assert response.status_code == 200
    assert "immutable" not in directives(response) and "no-cache" in directives(response)
    assert response.get_data() == Path(app.static_folder, "css/patrol.css").read_bytes()
    revisit = {"If-None-Match": response.headers["ETag"]}
    again = client.get("/static/css/patrol.css", headers=revisit)
    assert again.status_code == 304


def test_an_earlier_releases_name_gets_the_file_as_it_is_now_not_kept(app, client):
    response = client.get("/static/css/patrol.0123456789ab.css")
    assert response.status_code == 200
    assert response.get_data() == Path(app.static_folder, "css/patrol.css").read_bytes()
    assert "immutable" not in directives(response)


def test_a_changed_file_gets_a_new_name(app, client, tmp_path, static_url):
    copy = tmp_path / "static"
    shutil.copytree(app.static_folder, copy)
    app.static_folder = str(copy)
    before = static_url("js/print.js")
    (copy / "js" / "print.js").write_text("window.print();\n")
    after = static_url("js/print.js")
    assert before != after
    assert client.get(after).get_data() == b"window.print();"
    assert "immutable" not in directives(client.get(before))


def test_names_that_are_no_file_are_refused(app, client, static_url):
    assert static_url("js/no-such-file.js") == "/static/js/no-such-file.js"
    for url in ("/static/js/no-such-file.js", "/static/js/no-such-file.0123456789ab.js",
                "/static/../app/config.0123456789ab.py", "/static/js"):
        assert client.get(url).status_code == 404, url
    with app.test_request_context():
        assert stored_file("../pyproject.toml") is None
        assert stored_file("js/outbox.0123456789ab.js") == Path(app.static_folder, "js/outbox.js")
