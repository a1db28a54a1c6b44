"""What each notice says, in the reader's language, from the facts written with it.

A message is a title and a few lines, with the link straight to the page to act on: the
fault's page for a fault's notices, Today for the morning's checks and a reminder, the
overdue checks for what is overdue, the dashboard for the week, the routine's page for a
routine left without anyone. Names of things come from the facts, which keep both
languages; the words around them are translated.
"""

from datetime import date

from flask import current_app
from flask_babel import force_locale, format_date, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.models import Notice, Reason, Urgency
from app.notices.message import Message

LANGUAGES = ("zh", "en")
# A chat message stays short: beyond this many assets, the rest are counted.
LISTED_ASSETS = 5


def render(notice: Notice, language: str) -> Message:
    """The notice as a reader of `language` ("zh" or "en"; anything else reads Chinese) sees it."""
    language = language if language in LANGUAGES else "zh"
    with force_locale(language):
        return _WRITERS[notice.reason](notice, language)


def link(path: str) -> str:
    return current_app.config["BASE_URL"] + path


def page(endpoint: str, **values) -> str:
    """The absolute address of a page, built without a request: notices are written by the
    worker as well as by pages."""
    return link(current_app.url_map.bind("").build(endpoint, values))


def _named(names: dict | str, language: str) -> str:
    """A thing's name from the facts, in the reader's language when it has one."""
    if isinstance(names, str):
        return names
    return names.get(language) or names["zh"]


def _joined(items, language: str) -> str:
    return ("、" if language == "zh" else ", ").join(items)


def _day(iso: str) -> str:
    return format_date(date.fromisoformat(iso), "medium")


def _people_line(people: list[str], language: str) -> str:
    if not people:
        return _("Nobody is named for it: it is everyone's.")
    return _("On duty: %(names)s", names=_joined(people, language))


def _asset_lines(assets: list[dict], language: str, total: int | None = None) -> list[str]:
    total = len(assets) if total is None else total
    lines = [
        f"· {_named(asset['name'], language)} ({asset['code']})"
        for asset in assets[:LISTED_ASSETS]
    ]
    if total > LISTED_ASSETS:
        more = total - LISTED_ASSETS
        lines.append(ngettext("and %(num)d more", "and %(num)d more", more))
    return lines


def _test(notice: Notice, language: str) -> Message:
    facts = notice.facts
    return Message(facts["title"], tuple(facts.get("lines", ())), link(facts.get("path", "/")))


def _fault(title: str):
    def write(notice: Notice, language: str) -> Message:
        facts = notice.facts
        asset = _named(facts["asset"], language)
        lines = [
            f"{_named(facts['place'], language)} · {facts['code']}",
            facts["description"],
            Urgency(facts["urgency"]).label,
        ]
        if facts.get("why"):
            lines.append(_("Why: %(reason)s", reason=facts["why"]))
        return Message(
            title % {"asset": asset},
            tuple(str(line) for line in lines),
            page("faults.show", fault_id=notice.fault_id),
        )

    return write


def _morning(notice: Notice, language: str) -> Message:
    lines = []
    for routine in notice.facts["routines"]:
        name = _named(routine["name"], language)
        line = ngettext(
            "%(routine)s: %(num)d to check", "%(routine)s: %(num)d to check",
            routine["to_check"], routine=name,
        )
        if routine["overdue"]:
            line += " " + ngettext(
                "(%(num)d overdue)", "(%(num)d overdue)", routine["overdue"]
            )
        lines.append(line)
    return Message(_("Your checks for today"), tuple(lines), page("rounds.today"))


def _reminder(notice: Notice, language: str) -> Message:
    facts = notice.facts
    lines = [
        ngettext(
            "%(num)d check still open today", "%(num)d checks still open today", facts["open"]
        ),
        *_asset_lines(facts["assets"], language, facts["open"]),
        _people_line(facts["people"], language),
    ]
    title = _("Not done yet: %(routine)s", routine=_named(facts["routine"], language))
    return Message(title, tuple(lines), page("rounds.today"))


def _overdue(notice: Notice, language: str) -> Message:
    facts = notice.facts
    lines = [
        _("Due on %(date)s", date=_day(facts["due_date"])),
        *_asset_lines(facts["assets"], language, facts["overdue"]),
        _people_line(facts["people"], language),
    ]
    title = _("Overdue: %(routine)s", routine=_named(facts["routine"], language))
    address = page("dashboard.checks", routine=notice.checklist_id, state="overdue")
    return Message(title, tuple(lines), address)


def _overdue_summary(notice: Notice, language: str) -> Message:
    lines = []
    for routine in notice.facts["routines"]:
        line = ngettext(
            "%(routine)s: %(num)d overdue", "%(routine)s: %(num)d overdue",
            routine["overdue"], routine=_named(routine["name"], language),
        )
        if routine["people"]:
            line += f" ({_joined(routine['people'], language)})"
        lines.append(line)
    return Message(
        _("Still overdue this morning"), tuple(lines), page("dashboard.checks", state="overdue")
    )


def _week(notice: Notice, language: str) -> Message:
    checks, faults = notice.facts["checks"], notice.facts["faults"]
    lines = (
        _(
            "Checks: %(done)d done, %(due)d due, %(overdue)d overdue",
            done=checks["done"], due=checks["due"], overdue=checks["overdue"],
        ),
        _(
            "Faults: %(reported)d reported, %(repaired)d repaired, "
            "%(unsafe)d unsafe still open",
            reported=faults["reported"], repaired=faults["repaired"],
            unsafe=faults["unsafe_open"],
        ),
    )
    title = _("The week in numbers (%(week)s)", week=notice.facts["week"])
    return Message(title, lines, page("home.index"))


def _nobody_on_duty(notice: Notice, language: str) -> Message:
    facts = notice.facts
    lines = (
        _(
            "Everyone named on it has been disabled: %(names)s.",
            names=_joined(facts["people"], language),
        ),
        _("Name someone for it, or its checks remind nobody."),
    )
    title = _("Nobody left to do: %(routine)s", routine=_named(facts["routine"], language))
    return Message(title, lines, page("checklists.edit", checklist_id=notice.checklist_id))


_WRITERS = {
    Reason.UNSAFE: _fault(_l("Unsafe: %(asset)s")),
    Reason.ASSIGNED: _fault(_l("A repair job for you: %(asset)s")),
    Reason.TO_ACCEPT: _fault(_l("Repaired, to accept: %(asset)s")),
    Reason.REOPENED: _fault(_l("Repair sent back: %(asset)s")),
    Reason.MORNING: _morning,
    Reason.REMINDER: _reminder,
    Reason.OVERDUE: _overdue,
    Reason.OVERDUE_SUMMARY: _overdue_summary,
    Reason.WEEK: _week,
    Reason.NOBODY_ON_DUTY: _nobody_on_duty,
    Reason.TEST: _test,
}
