import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from app.auth.access import admin_required
from app.core.place_tree import PlaceTree
from app.extensions import db
from app.labels import bp, qr, selection, sheets
from app.labels.forms import BlankCodesForm, SheetForm, too_many_message
from app.labels.printing import render_sheet
from app.models import AssetKind, ScanCode
from app.models.code import is_well_formed, issue_blank_codes

# The pick-by-hand list is one page; a larger register is narrowed by place first.
PICK_LIST_LIMIT = 500


@bp.route("/")
@admin_required
def index():
    form = SheetForm(request.args)
    return _index_page(form)


def _index_page(form, status=200):
    tree = PlaceTree.load()
    place_choices = [("", "—"), *tree.options(indent=selection.INDENT)]
    form.place.choices = form.within.choices = place_choices
    kinds = sorted(db.session.scalars(sa.select(AssetKind)), key=lambda kind: kind.title)
    form.kind.choices = [("", "—"), *((kind.id, kind.title) for kind in kinds)]
    within = tree.by_id.get(form.within.data)
    to_pick, pick_total = selection.assets_to_pick(tree, within, form.retired.data, PICK_LIST_LIMIT)
    page = render_template(
        "labels/index.html",
        form=form,
        to_pick=to_pick,
        pick_total=pick_total,
        pick_limit=PICK_LIST_LIMIT,
        ticked=set(form.asset.data or []),
    )
    return page, status


@bp.route("/sheet")
@admin_required
def sheet():
    form = SheetForm(request.args)
    if not form.validate():
        return _index_page(form, 400)
    language = form.language.data
    with force_locale(language):
        chosen = _selection(form)
    if len(chosen.labels) > sheets.MAX_LABELS:
        form.form_errors.append(too_many_message(len(chosen.labels)))
        return _index_page(form, 400)
    # What the toolbar's own fields do not already send.
    toolbar = ("stock", "start", "language")
    kept = [(k, v) for k, v in request.args.items(multi=True) if k not in toolbar]
    return render_sheet(
        chosen,
        form.stock.stock,
        language,
        form.start.data,
        interactive=True,
        form=form,
        kept=kept,
    )


def _selection(form):
    if form.code_rows:
        return selection.for_blank_codes(form.code_rows)
    tree = PlaceTree.load()
    include_retired = form.retired.data
    if form.asset_rows:
        return selection.for_assets(tree, form.asset_rows, include_retired)
    if form.kind_row is not None:
        return selection.for_kind(tree, form.kind_row, form.place_row, include_retired)
    return selection.for_place(tree, form.place_row, include_retired)


@bp.route("/qr/<code>.<any(svg, png):fmt>")
@admin_required
def qr_image(code, fmt):
    if not is_well_formed(code):
        abort(404)
    db.first_or_404(sa.select(ScanCode.id).where(ScanCode.value == code))
    response = send_file(
        qr.cached_file(code, fmt),
        mimetype=qr.MIME_TYPES[fmt],
        as_attachment=request.args.get("download") == "1",
        download_name=f"{code}.{fmt}",
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/blank", methods=["GET", "POST"])
@admin_required
def blank():
    form = BlankCodesForm()
    if form.validate_on_submit():
        codes = issue_blank_codes(form.count.data)
        db.session.commit()
        flash(
            _(
                "%(count)d new blank codes. Reloading this page prints the same codes again; "
                "it does not make new ones.",
                count=len(codes),
            ),
            "success",
        )
        # Redirect after the POST: a reload must not issue another batch.
        target = url_for(
            "labels.sheet", stock=form.stock.data, blank=",".join(c.value for c in codes)
        )
        return redirect(target, 303)
    status = 400 if form.is_submitted() else 200
    return render_template("labels/blank.html", form=form), status
