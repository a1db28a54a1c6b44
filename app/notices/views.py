"""The logistics head's pages: the school's chats, the notice times, and every delivery."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app import settings, tenancy
from app.auth.access import admin_required
from app.extensions import db
from app.models import Channel, Delivery, DeliveryStatus, Reason
from app.notices import bp, delivery, senders
from app.notices.forms import (
    DEFAULT_REASONS,
    DELIVERY_STATUS_WORDS,
    ChannelForm,
    DeliveryFilterForm,
    NoticeTimesForm,
)
from app.notices.masks import masked_secret, masked_url, scrubbed
from app.notices.message import Message
from app.request_values import page_number

DELIVERIES_PER_PAGE = 50
# A chat's answer shown in a flash message is cut to this: the session cookie carries it.
ANSWER_SHOWN_MAX = 300


@bp.app_template_filter("masked_url")
def _masked_url_filter(url):
    return masked_url(url)


@bp.app_template_filter("delivery_status")
def _delivery_status_filter(status: DeliveryStatus) -> str:
    return DELIVERY_STATUS_WORDS[status]


@bp.app_template_filter("reason_labels")
def _reason_labels_filter(channel: Channel) -> str:
    chosen = channel.reason_set
    return " · ".join(str(reason.label) for reason in Reason if reason in chosen)


@bp.route("/")
@admin_required
def channels():
    rows = db.session.scalars(
        sa.select(Channel).order_by(Channel.active.desc(), Channel.name, Channel.id)
    ).all()
    return render_template("notices/channels.html", channels=rows)


@bp.route("/channels/new", methods=["GET", "POST"])
@admin_required
def new_channel():
    form = ChannelForm()
    if not form.is_submitted():
        form.language.data = tenancy.school_language()
        form.reasons.data = [reason.value for reason in DEFAULT_REASONS]
    if form.validate_on_submit():
        channel = Channel(active=True)
        form.fill(channel)
        db.session.add(channel)
        db.session.commit()
        flash(_("%(name)s added. Send it a test message to check.", name=channel.name), "success")
        return redirect(url_for("notices.channel", channel_id=channel.id), code=303)
    return render_template("notices/new.html", form=form), _status()


@bp.route("/channels/<int:channel_id>", methods=["GET", "POST"])
@admin_required
def channel(channel_id):
    """The channel's page: its settings to edit, a test message to send, on or off."""
    channel = db.get_or_404(Channel, channel_id)
    form = ChannelForm(obj=channel, stored=channel)
    if not form.is_submitted():
        # The address is write-only, like the secret: the page shows it masked.
        form.url.data = ""
        form.reasons.data = sorted(reason.value for reason in channel.reason_set)
    if form.validate_on_submit():
        form.fill(channel)
        db.session.commit()
        flash(_("%(name)s saved.", name=channel.name), "success")
        return redirect(url_for("notices.channel", channel_id=channel.id), code=303)
    return render_template(
        "notices/channel.html", form=form, channel=channel, masked=masked_secret(channel.secret)
    ), _status()


@bp.route("/channels/<int:channel_id>/test", methods=["POST"])
@admin_required
def test_message(channel_id):
    """Sends a short test message now, whatever the channel's reasons, and says what the
    chat answered."""
    channel = db.get_or_404(Channel, channel_id)
    answer = senders.send_chat(channel, _test_message(), ())
    said = scrubbed(answer.text, channel.url, channel.secret)[:ANSWER_SHOWN_MAX]
    if answer.ok:
        flash(_("The test message was sent. The chat answered: %(answer)s", answer=said),
              "success")
    else:
        flash(_("The test message did not get through. The chat answered: %(answer)s",
                answer=said), "error")
    return redirect(url_for("notices.channel", channel_id=channel.id), code=303)


def _test_message() -> Message:
    config = current_app.config
    local_now = datetime.now(UTC).astimezone(ZoneInfo(tenancy.school_timezone()))
    # In both languages, whatever the chat's: it only proves the chat can be reached.
    return Message(
        title="Patrol 测试消息 / test",
        lines=(f"{tenancy.school_name()} · {local_now:%Y-%m-%d %H:%M}",),
        link=config["BASE_URL"] + "/",
    )


@bp.route("/channels/<int:channel_id>/switch-off", methods=["POST"])
@admin_required
def switch_off(channel_id):
    """Nothing more is sent to the chat; what it was sent stays listed."""
    return _switch(channel_id, active=False)


@bp.route("/channels/<int:channel_id>/switch-on", methods=["POST"])
@admin_required
def switch_on(channel_id):
    return _switch(channel_id, active=True)


def _switch(channel_id, active: bool):
    channel = db.get_or_404(Channel, channel_id)
    channel.active = active
    db.session.commit()
    if active:
        flash(_("%(name)s is on: new notices are sent to it.", name=channel.name), "success")
    else:
        flash(_("%(name)s is off: nothing more is sent to it.", name=channel.name), "success")
    return redirect(url_for("notices.channel", channel_id=channel.id), code=303)


@bp.route("/times", methods=["GET", "POST"])
@admin_required
def times():
    """When the morning list and the weekly summary go out, school-local time."""
    form = NoticeTimesForm()
    if not form.is_submitted():
        form.morning_time.data = settings.morning_time()
        form.week_time.data = settings.week_time()
    elif form.validate_on_submit():
        settings.put(settings.MORNING_TIME, form.morning_time.data.strftime("%H:%M"))
        settings.put(settings.WEEK_TIME, form.week_time.data.strftime("%H:%M"))
        db.session.commit()
        flash(_("Settings saved."), "success")
        return redirect(url_for("notices.times"), code=303)
    return render_template("notices/times.html", form=form), _status()


@bp.route("/deliveries")
@admin_required
def deliveries():
    """Recent deliveries, newest first; one query for the page, whatever its length."""
    form = DeliveryFilterForm(formdata=request.args)
    valid = form.validate()
    query = (
        sa.select(Delivery)
        .options(
            so.joinedload(Delivery.notice),
            so.joinedload(Delivery.user),
            so.joinedload(Delivery.channel),
        )
        .order_by(Delivery.created_at.desc(), Delivery.id.desc())
    )
    if valid and form.chosen_status:
        query = query.where(Delivery.status == form.chosen_status)
    page = db.paginate(query, page=page_number(), per_page=DELIVERIES_PER_PAGE, error_out=False)
    filters = {"status": form.status.data} if valid and form.status.data else {}
    return render_template(
        "notices/deliveries.html",
        deliveries=page.items,
        page=page,
        form=form,
        filters=filters,
        shown_error=_shown_error,
    ), 200 if valid else 400


@bp.route("/deliveries/<int:delivery_id>")
@admin_required
def delivery_page(delivery_id):
    shown = db.one_or_404(
        sa.select(Delivery)
        .where(Delivery.id == delivery_id)
        .options(
            so.joinedload(Delivery.notice),
            so.joinedload(Delivery.user),
            so.joinedload(Delivery.channel),
            so.selectinload(Delivery.attempts),
        )
    )
    return render_template(
        "notices/delivery.html",
        delivery=shown,
        shown_error=_shown_error,
        failed=DeliveryStatus.FAILED,
    )


@bp.route("/deliveries/<int:delivery_id>/resend", methods=["POST"])
@admin_required
def resend(delivery_id):
    """A failed delivery is sent again; one waiting, being sent or sent is left as it is."""
    failed = db.get_or_404(Delivery, delivery_id)
    if failed.status != DeliveryStatus.FAILED:
        flash(
            _("Only a failed delivery can be sent again; this one is “%(status)s”.",
              status=DELIVERY_STATUS_WORDS[failed.status]),
            "error",
        )
        return redirect(url_for("notices.delivery_page", delivery_id=delivery_id), code=303)
    delivery.resend(failed)
    db.session.commit()
    flash(_("It will be sent again in a moment."), "success")
    return redirect(url_for("notices.delivery_page", delivery_id=delivery_id), code=303)


def _shown_error(text: str | None, shown_delivery: Delivery) -> str:
    """An answer or error as the pages show it: without the chat's address or secret."""
    channel = shown_delivery.channel
    if channel is None:
        return scrubbed(text)
    return scrubbed(text, channel.url, channel.secret)


def _status():
    return 400 if request.method == "POST" else 200
