"""The templates' pages: the district's (its admin publishes, its office reads) and a school
admin's (adopt a template, take a newer version when offered)."""

from functools import wraps

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from app import tenancy
from app.auth.access import admin_required
from app.extensions import db
from app.models import ChecklistTemplate, District, DistrictMember, DistrictRole, TemplateVersion
from app.routine_templates import bp
from app.routine_templates.adoption import (
    AlreadyAdopted,
    NothingChanged,
    NotInDistrict,
    NotNewer,
    StaleTemplate,
    adopt,
    adopted_routine,
    adopted_routines,
    create_template,
    district_templates,
    offered_version,
    publish,
    take,
    template_lineages,
    template_of_school,
    version_table,
)
from app.routine_templates.forms import NewVersionForm, TemplateForm, VersionChoiceForm

CONFLICT = 409


def _signed_in_user():
    """The User row itself: a version's author is a relationship, not a proxy."""
    return current_user._get_current_object()


# The school's side ------------------------------------------------------------------------


@bp.route("/")
@admin_required
def index():
    return _index_page()


def _index_page(status=200):
    school = tenancy.current_school()
    templates = district_templates(school.district_id) if school and school.district_id else []
    routines = adopted_routines(templates)
    return render_template(
        "routine_templates/index.html",
        school=school,
        offers=[
            (
                template,
                routines.get(template.id),
                offered_version(routines.get(template.id), template),
            )
            for template in templates
            if template.current_version is not None
        ],
        form=VersionChoiceForm(),
    ), status


def _school_template(template_id) -> ChecklistTemplate:
    try:
        return template_of_school(template_id)
    except NotInDistrict:
        abort(404)


def _chosen_version(template, form) -> TemplateVersion:
    if not form.validate_on_submit():
        abort(400)
    version = next((v for v in template.versions if v.number == form.version.data), None)
    if version is None:
        abort(404)
    return version


@bp.route("/<int:template_id>/adopt", methods=["POST"])
@admin_required
def adopt_template(template_id):
    template = _school_template(template_id)
    version = _chosen_version(template, VersionChoiceForm())
    try:
        routine = adopt(version, _signed_in_user())
        db.session.commit()
    except (AlreadyAdopted, IntegrityError):
        # A second tap, or another admin a moment before: the school keeps the one routine.
        db.session.rollback()
        flash(
            _(
                "Your school has already adopted “%(name)s”: nothing was added.",
                name=template.title,
            ),
            "error",
        )
        return _index_page(CONFLICT)
    flash(
        _(
            "Adopted: “%(name)s” is now your school's routine. Add your own items if you need.",
            name=routine.title,
        ),
        "success",
    )
    return redirect(url_for("checklists.items", checklist_id=routine.id))


@bp.route("/<int:template_id>/take", methods=["POST"])
@admin_required
def take_version(template_id):
    template = _school_template(template_id)
    version = _chosen_version(template, VersionChoiceForm())
    routine = adopted_routine(template)
    if routine is None:
        abort(404)
    try:
        take(routine, version, _signed_in_user())
        db.session.commit()
    except (NotNewer, IntegrityError):
        db.session.rollback()
        routine = adopted_routine(template)
        flash(
            _(
                "Your routine already runs version %(number)s of this template: nothing changed.",
                number=routine.template_version.number,
            ),
            "error",
        )
        return _index_page(CONFLICT)
    flash(
        _(
            "Updated to version %(number)s: your own items are kept at the end.",
            number=version.number,
        ),
        "success",
    )
    return redirect(url_for("checklists.items", checklist_id=routine.id))


# The district's side ----------------------------------------------------------------------


def district_required(view):
    """The district's people (office or admin) only: others get 403."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not _district_roles():
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def _district_roles() -> dict[int, DistrictRole]:
    return dict(
        db.session.execute(
            sa.select(DistrictMember.district_id, DistrictMember.role).where(
                DistrictMember.user_id == current_user.id
            )
        ).all()
    )


def _district_of_mine(district_id, *, admin=False) -> District:
    """A district of the user's (another is not found); 403 for its office where an admin
    is needed."""
    role = _district_roles().get(district_id)
    district = db.session.get(District, district_id) if role else None
    if district is None:
        abort(404)
    if admin and role != DistrictRole.ADMIN:
        abort(403)
    return district


def _template_of_mine(template_id, *, admin=False) -> ChecklistTemplate:
    template = db.get_or_404(ChecklistTemplate, template_id)
    _district_of_mine(template.district_id, admin=admin)
    return template


@bp.route("/district")
@district_required
def district():
    roles = _district_roles()
    districts = db.session.scalars(
        sa.select(District).where(District.id.in_(list(roles))).order_by(District.code)
    ).all()
    sections = []
    for each in districts:
        templates = district_templates(each.id)
        sections.append((each, roles[each.id], version_table(each, templates)))
    return render_template(
        "routine_templates/district.html", sections=sections, admin=DistrictRole.ADMIN
    )


@bp.route("/district/<int:district_id>/new", methods=["GET", "POST"])
@district_required
def new(district_id):
    district = _district_of_mine(district_id, admin=True)
    form = TemplateForm()
    if form.validate_on_submit():
        template = create_template(
            district,
            _signed_in_user(),
            name=form.name.data,
            name_en=form.name_en.data,
            kind_name=form.kind_name.data,
            kind_name_en=form.kind_name_en.data,
            schedule=form.schedule(),
            items=form.drafts(),
        )
        db.session.commit()
        flash(_("Template published as version 1: the district's schools may adopt it."), "success")
        return redirect(url_for("routine_templates.template", template_id=template.id))
    status = 400 if request.method == "POST" else 200
    return render_template("routine_templates/form.html", form=form, district=district), status


@bp.route("/district/templates/<int:template_id>")
@district_required
def template(template_id):
    return _template_page(_template_of_mine(template_id))


def _template_page(template, status=200):
    table = version_table(template.district, [template])
    return render_template(
        "routine_templates/template.html",
        template=template,
        table=table,
        can_publish=_district_roles().get(template.district_id) == DistrictRole.ADMIN,
    ), status


@bp.route("/district/templates/<int:template_id>/publish", methods=["GET", "POST"])
@district_required
def publish_version(template_id):
    template = _template_of_mine(template_id, admin=True)
    current = template.current_version
    form = NewVersionForm(lineages=template_lineages(template))
    if request.method == "GET":
        form.version.data = str(current.number)
        _fill_rows(form, current.items)
    status = 400 if request.method == "POST" else 200
    if form.validate_on_submit():
        try:
            version = publish(template, _signed_in_user(), form.based_on(), form.drafts())
            db.session.commit()
        except (StaleTemplate, IntegrityError):
            db.session.rollback()
            flash(
                _(
                    "Another version was published while you had this page open: nothing was "
                    "published. Check the items below and send again if still needed."
                ),
                "error",
            )
            return _template_page(_template_of_mine(template_id), CONFLICT)
        except NothingChanged:
            db.session.rollback()
            flash(
                _(
                    "Nothing changed: the items are the same as version %(number)s.",
                    number=current.number,
                ),
                "error",
            )
            status = 400
        else:
            flash(
                _(
                    "Version %(number)s published: each school is offered it and decides when.",
                    number=version.number,
                ),
                "success",
            )
            return redirect(url_for("routine_templates.template", template_id=template_id))
    return render_template(
        "routine_templates/publish.html", form=form, template=template, version=current
    ), status


def _fill_rows(form, items):
    """The current items first, then the blank rows already on the form."""
    blanks = len(form.items.entries)
    form.items.entries = []
    form.items.last_index = -1
    for item in items:
        form.items.append_entry(item)
    for _row in range(blanks):
        form.items.append_entry()


@bp.app_template_global()
def school_in_a_district() -> bool:
    """Whether the checklists' page links to the district's templates: a school of a district."""
    school = tenancy.current_school()
    return school is not None and school.district_id is not None
