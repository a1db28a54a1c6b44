"""Schedules, reading limits and people in the words a logistics head uses, in the user's
language."""

from babel.dates import get_day_names, get_month_names
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.models.item import ItemType
from app.schedule import Frequency

ITEM_TYPE_SHORT = {
    ItemType.CHECK: _l("Check"),
    ItemType.READING: _l("Reading"),
    ItemType.TEXT: _l("Text"),
    ItemType.PHOTO: _l("Photo"),
}


def weekday_name(weekday: int) -> str:
    """0 is Monday, as in Python and in Checklist.weekday."""
    return get_day_names("wide", locale=get_locale())[weekday]


def month_name(month: int) -> str:
    return get_month_names("wide", context="stand-alone", locale=get_locale())[month]


def ordinal_day(day: int) -> str:
    # Chinese translates each of these as "%(day)s日"; English needs the suffix.
    if day % 10 == 1 and day != 11:
        return _("%(day)sst", day=day)
    if day % 10 == 2 and day != 12:
        return _("%(day)snd", day=day)
    if day % 10 == 3 and day != 13:
        return _("%(day)srd", day=day)
    return _("%(day)sth", day=day)


def schedule_in_words(schedule) -> str:
    """ "Weekly, Monday", "Monthly, on the 1st", "Yearly, in May", "Every 14 days"…"""
    match schedule.frequency:
        case Frequency.DAILY:
            return _("Every school day")
        case Frequency.WEEKLY:
            return _("Weekly, %(weekday)s", weekday=weekday_name(schedule.weekday))
        case Frequency.MONTHLY:
            return _("Monthly, on the %(day)s", day=ordinal_day(schedule.day_of_month))
        case Frequency.YEARLY if schedule.day_of_month is None:
            return _("Yearly, in %(month)s", month=month_name(schedule.month))
        case Frequency.YEARLY:
            return _(
                "Yearly, on %(month)s %(day)s",
                month=month_name(schedule.month),
                day=schedule.day_of_month,
            )
        case Frequency.EVERY_N_DAYS if schedule.interval_days == 1:
            return _("Every day, weekends included")
        case Frequency.EVERY_N_DAYS:
            return _("Every %(count)s days", count=schedule.interval_days)
    raise ValueError(f"unknown frequency {schedule.frequency}")


def grace_in_words(days: int) -> str | None:
    if days == 0:
        return None
    if days == 1:
        return _("1 day's grace")
    return _("%(days)s days' grace", days=days)


def range_in_words(item) -> str | None:
    """A reading's allowed range, e.g. "at most 0.3 mm"; None when it has no limits."""
    low = _amount(item.min_value, item.unit)
    high = _amount(item.max_value, item.unit)
    if low and high:
        return _("from %(min)s to %(max)s", min=low, max=high)
    if high:
        return _("at most %(max)s", max=high)
    if low:
        return _("at least %(min)s", min=low)
    return None


def _amount(value: float | None, unit: str | None) -> str | None:
    if value is None:
        return None
    number = format_decimal(value)
    return f"{number} {unit}" if unit else number


def changes_in_words(changes, first: bool) -> str:
    """What a version changed, e.g. "added: 1, reordered"."""
    parts = [_("first version")] if first else []
    if changes.added and not first:
        parts.append(_("added: %(count)s", count=changes.added))
    if changes.edited:
        parts.append(_("edited: %(count)s", count=changes.edited))
    if changes.retired:
        parts.append(_("retired: %(count)s", count=changes.retired))
    if changes.reordered:
        parts.append(_("reordered"))
    return _(", ").join(parts)


def person_label(user) -> str:
    """A person's name, marked when their account is disabled."""
    if user.active:
        return user.display_name
    return _("%(name)s (disabled)", name=user.display_name)


def names_in_words(users) -> str:
    """Names listed as the reader's language lists them: 张师傅、李师傅 or Zhang, Li."""
    separator = "、" if get_locale().language == "zh" else ", "
    return separator.join(person_label(user) for user in users)
