from typing import NamedTuple

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import memberships, tenancy
from app.auth import sign_ins
from app.auth.access import roles_required
from app.models import SCHOOL_ROLES, Role, School
from app.schools import bp
from app.schools.forms import SwitchSchoolForm
from app.urls import safe_next


class SchoolSwitch(NamedTuple):
    current: School | None
    others: list[School]


@bp.app_context_processor
def school_switch_context():
    return {"school_switch": school_switch}


def school_switch() -> SchoolSwitch | None:
    """What the header offers: the current school and the user's others; None for someone in
    one school (the header then looks as in a one-school install, and no query is run)."""
    if not current_user.is_authenticated:
        return None
    count = current_user.school_count
    # A district's reader in a school of the district may switch back to their own.
    if count < 2 and not (count == 1 and current_user.membership is None):
        return None
    current = tenancy.current_school()
    others = [
        membership.school
        for membership in memberships.schools_of(current_user)
        if current is None or membership.school_id != current.id
    ]
    return SchoolSwitch(current, others)


@bp.route("/switch", methods=["POST"])
# Everyone working in a school, the district's readers too: it changes only their own phone.
@roles_required(*SCHOOL_ROLES, Role.VIEWER)
def switch():
    """Make one of the user's schools this phone's; a school that is not theirs is refused
    and nothing changes."""
    form = SwitchSchoolForm()
    membership = None
    if form.validate():
        membership = memberships.membership_in(current_user, form.school.data)
    if membership is None:
        flash(_("You do not work in that school: this phone stays where it was."), "error")
        return redirect(url_for("home.index"))
    sign_ins.switch_school(current_user.sign_in, membership.school_id)
    flash(_("You are working in %(school)s now.", school=membership.school.title), "success")
    return redirect(safe_next(form.next.data) or url_for("home.index"))
