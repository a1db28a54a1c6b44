"""The register pages: places, kinds of asset and assets, for the logistics head."""

from datetime import date

import sqlalchemy as sa
from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from wtforms import SelectChoice

from app.auth.access import admin_required, staff_required
from app.core import csv_writing
from app.core.photos import PhotoError, delete_photo, save_photo, send_photo
from app.core.place_tree import PlaceTree
from app.extensions import db
from app.models import Asset, AssetKind, AssetStatus, Place, PlaceKind
from app.models.code import claim_blank_code, issue_code
from app.register import bp, csv_io
from app.register.assets import (
    ANY_STATUS,
    asset_number_holder,
    blank_code_problem,
    kind_clashes,
    move_asset,
    search_assets,
)
from app.register.forms import (
    NO_PARENT,
    AssetFiltersForm,
    AssetForm,
    ImportForm,
    KindForm,
    KindNamesForm,
    NewAssetForm,
    PlaceForm,
    RetireForm,
)
from app.request_values import database_int, page_number

# What a new place inside a parent usually is.
CHILD_KIND = {
    None: PlaceKind.SITE,
    PlaceKind.SITE: PlaceKind.BUILDING,
    PlaceKind.BUILDING: PlaceKind.ROOM,
    PlaceKind.ROOM: PlaceKind.AREA,
    PlaceKind.AREA: PlaceKind.AREA,
}


def _status(form=None, refused=False):
    """200 for a page, 400 when a submitted form could not be accepted."""
    return 400 if refused or (form is not None and form.is_submitted()) else 200


# Places


@bp.route("/places")
@admin_required
def places():
    tree = PlaceTree.load()
    return render_template(
        "register/places.html",
        rows=list(tree.walk()),
        counts=tree.asset_counts(),
    )


@bp.route("/places/new", methods=["GET", "POST"])
@admin_required
def new_place():
    tree = PlaceTree.load()
    form = PlaceForm()
    form.parent.choices = _parent_choices(tree)
    if not form.is_submitted():
        parent = tree.by_id.get(request.args.get("parent", type=database_int))
        form.parent.data = parent.id if parent else NO_PARENT
        form.kind.data = CHILD_KIND[parent.kind if parent else None].value
    if form.validate_on_submit():
        place = Place(code="")
        if _apply_place_form(form, place, tree):
            db.session.add(place)
            issue_code(place)
            db.session.commit()
            flash(_("Place “%(name)s” added with code %(code)s.", **_named(place)), "success")
            return redirect(url_for("register.places", _anchor=f"place-{place.id}"))
    return render_template("register/place_form.html", form=form, place=None), _status(form)


@bp.route("/places/<int:place_id>/edit", methods=["GET", "POST"])
@admin_required
def edit_place(place_id):
    tree = PlaceTree.load()
    place = tree.by_id.get(place_id) or abort(404)
    form = PlaceForm(obj=place)
    form.parent.choices = _parent_choices(tree, moving=place)
    if not form.is_submitted():
        form.parent.data = place.parent_id or NO_PARENT
    if form.validate_on_submit() and _apply_place_form(form, place, tree):
        db.session.commit()
        flash(_("Place “%(name)s” saved.", **_named(place)), "success")
        return redirect(url_for("register.places", _anchor=f"place-{place.id}"))
    return render_template(
        "register/place_form.html", form=form, place=place, path=tree.path(place)
    ), _status(form)


def _parent_choices(tree, moving=None):
    """Every place may be a parent, except the moving place and what is inside it."""
    inside = tree.subtree_ids(moving) if moving is not None else set()
    return [SelectChoice(NO_PARENT, _l("— Nothing: this is a site —"))] + [
        SelectChoice(place_id, label, {"disabled": True} if place_id in inside else {})
        for place_id, label in tree.options()
    ]


def _apply_place_form(form, place, tree) -> bool:
    """Copy the form into the place; False, with the reason on the form, if it cannot be."""
    parent = tree.by_id.get(form.parent.data)
    if place.id is not None and not tree.can_move(place, parent):
        form.parent.errors.append(_("A place cannot be moved into itself or a place inside it."))
        return False
    for sibling in tree.children(parent):
        if sibling is not place and sibling.name == form.name.data:
            form.name.errors.append(
                _("There is already a place called “%(name)s” here.", name=form.name.data)
            )
            return False
    if form.position.data is not None:
        place.position = form.position.data
    elif place.id is None or place.parent_id != (parent.id if parent else None):
        place.position = tree.next_position(parent)
    place.name = form.name.data
    place.name_en = form.name_en.data or None
    place.kind = PlaceKind(form.kind.data)
    place.parent = parent
    place.notes = form.notes.data
    return True


# Kinds


@bp.route("/kinds", methods=["GET", "POST"])
@admin_required
def kinds():
    form = KindForm()
    if form.validate_on_submit():
        kind = AssetKind()
        if _apply_kind_form(form, kind):
            db.session.add(kind)
            if _commit_or_report(form.key, _("That kind already exists.")):
                flash(_("Kind “%(name)s” added.", name=kind.name), "success")
                return redirect(url_for("register.kinds"))
    all_kinds = db.session.scalars(sa.select(AssetKind).order_by(AssetKind.name)).all()
    counts = dict(
        db.session.execute(
            sa.select(Asset.kind_id, sa.func.count())
            .where(Asset.status != AssetStatus.RETIRED)
            .group_by(Asset.kind_id)
        ).all()
    )
    return render_template(
        "register/kinds.html", form=form, kinds=all_kinds, counts=counts
    ), _status(form)


@bp.route("/kinds/<int:kind_id>/edit", methods=["GET", "POST"])
@admin_required
def edit_kind(kind_id):
    kind = db.get_or_404(AssetKind, kind_id)
    form = KindNamesForm(obj=kind)
    if (
        form.validate_on_submit()
        and _apply_kind_form(form, kind)
        and _commit_or_report(form.name, _("Another kind already has this name."))
    ):
        flash(_("Kind “%(name)s” saved.", name=kind.name), "success")
        return redirect(url_for("register.kinds"))
    return render_template("register/kind_form.html", form=form, kind=kind), _status(form)


def _apply_kind_form(form, kind) -> bool:
    key = form.key.data if hasattr(form, "key") else kind.key
    name_en = form.name_en.data or None
    clashes = kind_clashes(key, form.name.data, name_en, kind if kind.id else None)
    if "key" in clashes:
        form.key.errors.append(_("Another kind already has the key “%(key)s”.", key=key))
    if "name" in clashes:
        form.name.errors.append(
            _("Another kind is already called “%(name)s”.", name=form.name.data)
        )
    if "name_en" in clashes:
        form.name_en.errors.append(
            _("Another kind is already called “%(name)s”.", name=name_en)
        )
    if clashes:
        return False
    kind.key = key
    kind.name = form.name.data
    kind.name_en = name_en
    return True


def _commit_or_report(form_field, message) -> bool:
    """Commit; if another admin saved the same thing a moment ago, say so on the field."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        form_field.errors.append(message)
        return False
    return True


# Assets


@bp.route("/assets")
@admin_required
def assets():
    tree = PlaceTree.load()
    all_kinds = _kinds()
    form = AssetFiltersForm(formdata=request.args)
    place = tree.by_id.get(form.place.data)
    kind_id, status, text = form.kind.data, form.status.data, form.q.data
    page = page_number()
    filters = {
        "q": text,
        "place": place.id if place else None,
        "kind": kind_id,
        "status": status,
    }
    return render_template(
        "register/assets.html",
        pagination=search_assets(tree, text, place, kind_id, status, page),
        tree=tree,
        kinds=all_kinds,
        filters=filters,
        active_filters={k: v for k, v in filters.items() if v},
        statuses=list(AssetStatus),
        any_status=ANY_STATUS,
    )


@bp.route("/assets/new", methods=["GET", "POST"])
@admin_required
def new_asset():
    tree = PlaceTree.load()
    form = NewAssetForm()
    _asset_choices(form, tree)
    if not form.is_submitted():
        form.code.data = request.args.get("code", "")
        form.status.data = AssetStatus.IN_SERVICE.value
        place = tree.by_id.get(request.args.get("place", type=database_int))
        if place is not None:
            form.place_id.data = place.id

    blank, code_problem = None, None
    if form.code.data:
        blank, code_problem = blank_code_problem(form.code.data)
        # A refused code is dropped: saving anyway gives the asset a fresh code.
        form.code.data = blank.value if blank is not None else ""
    if code_problem is None and form.validate_on_submit():
        asset = Asset(code="")
        if _apply_asset_form(form, asset, tree):
            db.session.add(asset)
            if blank is not None:
                claim_blank_code(blank, asset)
            else:
                issue_code(asset)
            if _commit_asset(form, new_photo=asset.photo):
                flash(_("“%(name)s” registered with code %(code)s.", **_named(asset)), "success")
                return redirect(url_for("scan.door", code=asset.code))
    return render_template(
        "register/asset_form.html",
        form=form,
        asset=None,
        tree=tree,
        code_problem=code_problem,
    ), _status(form, refused=code_problem is not None)


@bp.route("/assets/<int:asset_id>/edit", methods=["GET", "POST"])
@admin_required
def edit_asset(asset_id):
    asset = db.get_or_404(Asset, asset_id)
    tree = PlaceTree.load()
    form = AssetForm(obj=asset)
    _asset_choices(form, tree)
    if form.validate_on_submit():
        old_photo = asset.photo
        if _apply_asset_form(form, asset, tree):
            new_photo = asset.photo if asset.photo != old_photo else None
            if _commit_asset(form, new_photo):
                if new_photo:
                    delete_photo(old_photo)
                flash(_("“%(name)s” saved.", **_named(asset)), "success")
                return redirect(url_for("scan.door", code=asset.code))
    return _render_edit(asset, tree, form, RetireForm(formdata=None)), _status(form)


@bp.route("/assets/<int:asset_id>/retire", methods=["POST"])
@admin_required
def retire_asset(asset_id):
    asset = db.get_or_404(Asset, asset_id)
    retire_form = RetireForm()
    if retire_form.validate_on_submit():
        if asset.status == AssetStatus.RETIRED:
            flash(_("“%(name)s” was already retired.", **_named(asset)), "info")
        else:
            asset.status = AssetStatus.RETIRED
            db.session.commit()
            flash(_("“%(name)s” is retired. Its record and code are kept.", **_named(asset)),
                  "success")
        return redirect(url_for("scan.door", code=asset.code))
    tree = PlaceTree.load()
    form = AssetForm(obj=asset, formdata=None)
    _asset_choices(form, tree)
    return _render_edit(asset, tree, form, retire_form), 400


@bp.route("/assets/<int:asset_id>/photo")
@staff_required
def asset_photo(asset_id):
    asset = db.get_or_404(Asset, asset_id)
    if not asset.photo:
        abort(404)
    # The address stays when the photo is replaced: the phone asks again each time.
    return send_photo(asset.photo, thumbnail=request.args.get("size") == "thumb", max_age=None)


def _render_edit(asset, tree, form, retire_form):
    return render_template(
        "register/asset_form.html",
        form=form,
        asset=asset,
        tree=tree,
        retire_form=retire_form,
        code_problem=None,
    )


def _kinds():
    return db.session.scalars(sa.select(AssetKind).order_by(AssetKind.name)).all()


def _asset_choices(form, tree):
    form.kind_id.choices = [SelectChoice(kind.id, kind.title) for kind in _kinds()]
    form.place_id.choices = [SelectChoice(value, label) for value, label in tree.options()]


def _apply_asset_form(form, asset, tree) -> bool:
    """Copy the form into the asset, storing a new photo; False, with the reason, if not."""
    number = form.asset_number.data or None
    holder = asset_number_holder(number, asset)
    if holder is not None:
        form.asset_number.errors.append(
            _(
                "Asset number %(number)s already belongs to “%(name)s” (%(code)s).",
                number=number,
                name=holder.title,
                code=holder.code,
            )
        )
        return False
    upload = form.photo_file.data
    if upload and upload.filename:
        try:
            asset.photo = save_photo(upload)
        except PhotoError as error:
            form.photo_file.errors.append(error.message)
            return False
    asset.name = form.name.data
    asset.name_en = form.name_en.data or None
    asset.kind_id = form.kind_id.data
    move_asset(asset, tree.by_id[form.place_id.data])
    asset.asset_number = number
    asset.status = AssetStatus(form.status.data)
    asset.notes = form.notes.data
    return True


def _commit_asset(form, new_photo) -> bool:
    """Commit; a number or code taken a moment ago by another admin is reported, not a 500."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        delete_photo(new_photo)
        form.asset_number.errors.append(
            _("Another admin just saved an asset with this number or code. Please try again.")
        )
        return False
    return True


def _named(thing):
    return {"name": thing.title, "code": thing.code}


# CSV


@bp.route("/import", methods=["GET", "POST"])
@admin_required
def import_assets():
    form = ImportForm()
    problems = []
    if form.validate_on_submit():
        limit = current_app.config["IMPORT_MAX_BYTES"]
        data = form.file.data.stream.read(limit + 1)
        if len(data) > limit:
            form.file.errors.append(
                _("The file is too large: at most %(size)s KB.", size=limit // 1024)
            )
        else:
            try:
                summary = csv_io.import_assets(data)
            except csv_io.ImportRefused as refused:
                problems = refused.problems
            else:
                flash(summary.describe(), "success")
                return redirect(url_for("register.assets"))
    return render_template(
        "register/import.html", form=form, problems=problems, columns=csv_io.COLUMNS
    ), _status(form)


@bp.route("/export.csv")
@admin_required
def export_assets():
    filename = f"patrol-assets-{date.today().isoformat()}.csv"
    return csv_writing.streamed_response(csv_io.register_rows(), filename)
