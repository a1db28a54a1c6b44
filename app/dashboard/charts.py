"""The dashboard's figures that people compare, drawn as charts (app.charts) in the user's
language: each routine's completion over the term, and the faults reported week by week."""

from flask_babel import gettext as _
from flask_babel import ngettext
from markupsafe import Markup

from app.charts import Bar, Column, bar_chart, column_chart
from app.dashboard.figures import TermCompletion, WeekFaults
from app.dates import day_and_month


def term_chart(term: TermCompletion) -> Markup:
    """A bar per routine with something due this term: its share done, red with one missed."""
    bars = [
        Bar(
            label=counts.checklist.title,
            share=counts.rate or 0.0,
            value_text=f"{counts.rate * 100:.0f}%" if counts.rate is not None else "—",
            marked=bool(counts.missed),
        )
        for counts in term.routines
    ]
    missed = sum(1 for counts in term.routines if counts.missed)
    return bar_chart(
        bars,
        chart_id="term-chart",
        title=_("Done this term, routine by routine"),
        description=ngettext(
            "%(num)d routine, each as the share of its checks done; %(missed)d with checks "
            "missed, in red.",
            "%(num)d routines, each as the share of its checks done; %(missed)d with checks "
            "missed, in red.",
            len(bars),
            missed=missed,
        ),
    )


def faults_chart(weeks: list[WeekFaults]) -> Markup:
    """A column per week, the faults reported in it, the unsafe ones in red."""
    columns = [
        Column(day_and_month(week.monday), week.reported, week.unsafe)
        for week in weeks
    ]
    return column_chart(
        columns,
        chart_id="faults-chart",
        title=_("Faults reported per week"),
        description=_(
            "The last %(num)d weeks, this week last: %(counts)s. Unsafe ones in red: %(unsafe)s.",
            num=len(weeks),
            counts=", ".join(f"{column.label} {column.value}" for column in columns),
            unsafe=sum(week.unsafe for week in weeks),
        ),
    )
