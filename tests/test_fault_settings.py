"""The admin's fault settings: public reports on or off, and the school's damage rule."""

import re

from app import settings
from app.extensions import db
from app.models import Cause, FaultStatus, Urgency
from tests.factories import make_fault_at


def public_reports_box(page):
    return re.search(r'<input[^>]*name="public_reports"[^>]*>', page).group(0)


RULES = {
    "natural_wear": "学校承担维修费用。",
    "accidental": "照价赔偿。",
    "deliberate": "加倍赔偿，并交政教处处理。",
}


def test_settings_show_the_defaults(client, auth):
    auth.login("admin")
    page = client.get("/faults/settings").text
    assert "checked" in public_reports_box(page)
    assert "Natural wear: the school pays for the repair." in page
    assert "referred for discipline" in page


def test_admin_saves_the_rules_and_they_show_on_the_fault(app, client, auth):
    auth.login("admin")
    response = client.post("/faults/settings", data=RULES)  # checkbox left out: off
    assert response.status_code == 303 and response.location.endswith("/faults/settings")
    page = client.get("/faults/settings").text
    assert "Settings saved." in page and "checked" not in public_reports_box(page)
    with app.app_context():
        assert settings.public_reports_allowed() is False
        assert settings.cause_rule(Cause.DELIBERATE) == "加倍赔偿，并交政教处处理。"
        fault = make_fault_at(
            FaultStatus.REPAIRED, description="Window smashed", urgency=Urgency.UNSAFE,
            cause=Cause.DELIBERATE,
        )
        db.session.commit()
        fault_id = fault.id
    page = client.get(f"/faults/{fault_id}").text
    assert "Deliberate damage" in page and "加倍赔偿，并交政教处处理。" in page
    client.post("/faults/settings", data={"public_reports": "y", **RULES})
    with app.app_context():
        assert settings.public_reports_allowed() is True


def test_an_empty_rule_falls_back_to_the_standard_text(app, client, auth):
    auth.login("admin")
    client.post("/faults/settings", data={**RULES, "accidental": "  "})
    with app.app_context():
        assert settings.cause_rule(Cause.ACCIDENTAL).startswith("Accidental damage:")


def test_too_long_a_rule_is_refused_and_kept(app, client, auth):
    auth.login("admin")
    response = client.post("/faults/settings", data={**RULES, "natural_wear": "长" * 1001})
    assert response.status_code == 400
    assert "长" * 1001 in response.text and "Please correct the marked fields." in response.text
    with app.app_context():
        assert settings.cause_rule(Cause.NATURAL_WEAR).startswith("Natural wear")


def test_hostile_rule_is_escaped(app, client, auth):
    auth.login("admin")
    client.post("/faults/settings", data={**RULES, "accidental": "<script>x</script>"})
    page = client.get("/faults/settings").text
    assert "<script>x</script>" not in page and "&lt;script&gt;x&lt;/script&gt;" in page


def test_only_the_admin(client, auth):
    response = client.get("/faults/settings")
    assert response.status_code == 302 and "/login" in response.location
    for role in ("inspector", "repairer"):
        auth.login(role)
        assert client.get("/faults/settings").status_code == 403
        assert client.post("/faults/settings", data=RULES).status_code == 403
        auth.logout()


def test_settings_form_needs_its_csrf_token(app, client, auth):
    auth.login("admin")
    app.config["WTF_CSRF_ENABLED"] = True
    assert 'name="csrf_token"' in client.get("/faults/settings").text
    assert client.post("/faults/settings", data=RULES).status_code == 400
    with app.app_context():
        assert settings.public_reports_allowed() is True
