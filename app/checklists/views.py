import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from app import tenancy
from app.auth.access import admin_required
from app.checklists import bp
from app.checklists.forms import (
    ChecklistForm,
    ClosedPeriodForm,
    ItemForm,
    MoveItemForm,
    NewItemForm,
)
from app.checklists.schedules import apply_schedule
from app.checklists.versions import (
    StaleVersion,
    add_item,
    changes_between,
    checklist_summaries,
    create_checklist,
    group_by_coverage,
    move_item,
    retire_item,
    update_item,
)
from app.checklists.wording import (
    ITEM_TYPE_SHORT,
    changes_in_words,
    grace_in_words,
    names_in_words,
    range_in_words,
    schedule_in_words,
)
from app.duties import duties_by_checklist, name_people, on_duty_among
from app.extensions import db
from app.models import (
    AssetKind,
    Checklist,
    ChecklistItem,
    ChecklistVersion,
    ClosedPeriod,
    Duty,
    ItemType,
)
from app.routines import today

CONFLICT = 409


@bp.route("/")
@admin_required
def index():
    return render_template(
        "checklists/index.html",
        groups=group_by_coverage(checklist_summaries()),
        duties=duties_by_checklist(),
    )


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def new():
    form = ChecklistForm()
    if request.method == "GET":
        form.anchor_date.data = today()
    if form.validate_on_submit():
        checklist = create_checklist(
            _signed_in_user(),
            name=form.name.data,
            name_en=form.name_en.data or None,
            kind=_kind(form),
            asset=form.covered_asset,
            schedule=form.schedule(),
            active=form.active.data,
        )
        _apply_duties(form, checklist)
        db.session.commit()
        flash(_("Checklist created. Now add what to check."), "success")
        return redirect(url_for("checklists.items", checklist_id=checklist.id))
    status = 400 if request.method == "POST" else 200
    return render_template("checklists/form.html", form=form, checklist=None), status


@bp.route("/<int:checklist_id>/edit", methods=["GET", "POST"])
@admin_required
def edit(checklist_id):
    checklist = db.get_or_404(Checklist, checklist_id)
    form = ChecklistForm(
        obj=checklist, covered_asset_id=checklist.asset_id, duties=checklist.duties
    )
    if request.method == "GET":
        form.asset_code.data = checklist.asset.code if checklist.asset else ""
        form.anchor_date.data = checklist.anchor_date or today()
    if form.validate_on_submit():
        checklist.name = form.name.data
        checklist.name_en = form.name_en.data or None
        checklist.kind = _kind(form)
        checklist.asset = form.covered_asset
        # The schedule is not part of a version: inspections keep their items, not their dates.
        apply_schedule(checklist, form.schedule())
        checklist.active = form.active.data
        _apply_duties(form, checklist)
        db.session.commit()
        flash(_("Checklist saved."), "success")
        return redirect(url_for("checklists.index"))
    status = 400 if request.method == "POST" else 200
    return render_template("checklists/form.html", form=form, checklist=checklist), status


def _apply_duties(form, checklist):
    name_people(checklist, form.chosen(form.people), form.chosen(form.stand_ins))
    checklist.reminder_time = form.reminder_time.data


def _signed_in_user():
    """The User row itself: a version's created_by is a relationship, not a proxy."""
    return current_user._get_current_object()


def _kind(form):
    return db.session.get(AssetKind, form.kind_id.data) if form.kind_id.data else None


@bp.route("/<int:checklist_id>/items")
@admin_required
def items(checklist_id):
    return _items_page(_checklist_with_versions(checklist_id))


def _items_page(checklist, status=200):
    versions = checklist.versions
    history = [
        (version, changes_between(versions[index - 1] if index else None, version))
        for index, version in enumerate(versions)
    ]
    return (
        render_template(
            "checklists/items.html",
            checklist=checklist,
            version=checklist.current_version,
            history=list(reversed(history)),
        ),
        status,
    )


def _checklist_with_versions(checklist_id):
    return db.one_or_404(
        sa.select(Checklist)
        .where(Checklist.id == checklist_id)
        .options(
            so.joinedload(Checklist.kind),
            so.joinedload(Checklist.asset),
            so.selectinload(Checklist.versions).selectinload(ChecklistVersion.items),
            so.selectinload(Checklist.versions).joinedload(ChecklistVersion.created_by),
            so.selectinload(Checklist.duties).joinedload(Duty.user),
        )
    )


@bp.route("/<int:checklist_id>/versions/<int:number>")
@admin_required
def version(checklist_id, number):
    checklist = _checklist_with_versions(checklist_id)
    shown = next((v for v in checklist.versions if v.number == number), None)
    if shown is None:
        abort(404)
    previous = next((v for v in checklist.versions if v.number == number - 1), None)
    return render_template(
        "checklists/version.html",
        checklist=checklist,
        version=shown,
        changes=changes_between(previous, shown),
    )


@bp.route("/<int:checklist_id>/items/new", methods=["GET", "POST"])
@admin_required
def add(checklist_id):
    checklist = _checklist_with_versions(checklist_id)
    form = NewItemForm()
    if request.method == "GET":
        form.version.data = str(_version_number(checklist))
    status = 400 if request.method == "POST" else 200
    if form.validate_on_submit():
        try:
            add_item(
                checklist,
                _signed_in_user(),
                form.based_on(),
                type=ItemType(form.type.data),
                **form.item_fields(),
            )
            db.session.commit()
        except (StaleVersion, IntegrityError):
            db.session.rollback()
            checklist = _checklist_with_versions(checklist_id)
            form.version.data = str(_version_number(checklist))
            _flash_changed_meanwhile(checklist, _("Nothing was added."))
            status = CONFLICT
        else:
            flash(
                _(
                    "Item added: this checklist is now version %(number)s.",
                    number=checklist.current_version.number,
                ),
                "success",
            )
            return redirect(url_for("checklists.items", checklist_id=checklist.id))
    return render_template(
        "checklists/item_form.html", form=form, checklist=checklist, item=None
    ), status


@bp.route("/<int:checklist_id>/items/<int:item_id>/edit", methods=["GET", "POST"])
@admin_required
def edit_item(checklist_id, item_id):
    checklist = _checklist_with_versions(checklist_id)
    item = _item_of(checklist, item_id)
    current = _current_copy(checklist, item)
    if current is None:
        flash(_("That item was retired from this checklist."), "info")
        return redirect(url_for("checklists.items", checklist_id=checklist.id))
    if request.method == "GET" and current is not item:
        return redirect(
            url_for("checklists.edit_item", checklist_id=checklist.id, item_id=current.id)
        )
    form = ItemForm(obj=item, item_type=item.type)
    status = 400 if request.method == "POST" else 200
    if form.validate_on_submit():
        try:
            update_item(item, _signed_in_user(), **form.item_fields())
            db.session.commit()
        except (StaleVersion, IntegrityError):
            db.session.rollback()
            checklist = _checklist_with_versions(checklist_id)
            current = _current_copy(checklist, _item_of(checklist, item_id))
            if current is None:
                flash(_("That item was retired from this checklist."), "info")
                return redirect(url_for("checklists.items", checklist_id=checklist.id))
            _flash_changed_meanwhile(checklist, _("Nothing was saved; your wording is kept."))
            status = CONFLICT
        else:
            flash(
                _(
                    "Item saved: this checklist is now version %(number)s.",
                    number=checklist.current_version.number,
                ),
                "success",
            )
            return redirect(url_for("checklists.items", checklist_id=checklist.id))
    # The form posts to the item as it is now, so sending again after a conflict works.
    return render_template(
        "checklists/item_form.html", form=form, checklist=checklist, item=current
    ), status


@bp.route("/<int:checklist_id>/items/<int:item_id>/move", methods=["POST"])
@admin_required
def move(checklist_id, item_id):
    form = MoveItemForm()
    if not form.validate_on_submit():
        abort(400)
    return _change_item(
        checklist_id,
        item_id,
        lambda item: move_item(item, _signed_in_user(), form.offset),
        lambda number: _("Item moved: this checklist is now version %(number)s.", number=number),
    )


@bp.route("/<int:checklist_id>/items/<int:item_id>/retire", methods=["POST"])
@admin_required
def retire(checklist_id, item_id):
    return _change_item(
        checklist_id,
        item_id,
        lambda item: retire_item(item, _signed_in_user()),
        lambda number: _(
            "Item retired: this checklist is now version %(number)s. "
            "Past inspections still show it.",
            number=number,
        ),
    )


def _change_item(checklist_id, item_id, change, success_message):
    checklist = _checklist_with_versions(checklist_id)
    item = _item_of(checklist, item_id)
    try:
        change(item)
        db.session.commit()
    except (StaleVersion, IntegrityError):
        db.session.rollback()
        checklist = _checklist_with_versions(checklist_id)
        _flash_changed_meanwhile(checklist, _("Nothing was changed."))
        return _items_page(checklist, CONFLICT)
    except ValueError:
        db.session.rollback()
        flash(_("That item is already at the end of the list."), "error")
        return _items_page(_checklist_with_versions(checklist_id), 400)
    flash(success_message(checklist.current_version.number), "success")
    return redirect(url_for("checklists.items", checklist_id=checklist.id))


def _version_number(checklist) -> int:
    return checklist.current_version.number if checklist.current_version else 0


def _item_of(checklist, item_id) -> ChecklistItem:
    """An item of any of this checklist's versions; another checklist's item is not found."""
    for version in checklist.versions:
        for item in version.items:
            if item.id == item_id:
                return item
    abort(404)


def _current_copy(checklist, item) -> ChecklistItem | None:
    return next((i for i in checklist.current_version.items if i.lineage == item.lineage), None)


def _flash_changed_meanwhile(checklist, consequence):
    flash(
        _(
            "This checklist changed while you had it open (a second tap, or another admin): "
            "it is now version %(number)s.",
            number=_version_number(checklist),
        )
        + " "
        + consequence
        + " "
        + _("Check it below and send again if still needed."),
        "error",
    )


@bp.route("/closed-periods", methods=["GET", "POST"])
@admin_required
def closed_periods():
    form = ClosedPeriodForm()
    if form.validate_on_submit():
        db.session.add(
            ClosedPeriod(
                name=form.name.data, start_date=form.start_date.data, end_date=form.end_date.data
            )
        )
        db.session.commit()
        flash(_("Closed period added: routines pause on these days."), "success")
        return redirect(url_for("checklists.closed_periods"))
    status = 400 if request.method == "POST" else 200
    return _closed_periods_page(form, status)


def _closed_periods_page(form, status):
    periods = db.session.scalars(
        sa.select(ClosedPeriod).order_by(ClosedPeriod.start_date.desc(), ClosedPeriod.id)
    ).all()
    return render_template(
        "checklists/closed_periods.html",
        form=form,
        periods=periods,
        today=today(),
        timezone=tenancy.school_timezone(),
    ), status


@bp.route("/closed-periods/<int:period_id>/delete", methods=["POST"])
@admin_required
def delete_closed_period(period_id):
    period = db.get_or_404(ClosedPeriod, period_id)
    db.session.delete(period)
    db.session.commit()
    flash(_("Closed period “%(name)s” deleted.", name=period.name), "success")
    return redirect(url_for("checklists.closed_periods"))


# Globals rather than a context processor, so imported macros can use them too.
for helper in (
    schedule_in_words,
    changes_in_words,
    grace_in_words,
    range_in_words,
    names_in_words,
    on_duty_among,
):
    bp.add_app_template_global(helper)
bp.add_app_template_global(ITEM_TYPE_SHORT, "item_type_short")
