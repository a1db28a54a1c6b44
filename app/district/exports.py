"""The district report as CSV rows: one per school, then the district's line.

Numbers stay numbers (app.core.csv_writing writes them as they are): the rate in percent to
one decimal, the mean repair time in hours to one decimal, empty where there is none.
"""

from collections.abc import Iterator

from flask_babel import gettext as _

from app.district.report import DistrictReport, ReportRow


def _hours(row: ReportRow):
    mean = row.repair_mean
    return None if mean is None else round(mean.total_seconds() / 3600, 1)


def _rate(row: ReportRow):
    rate = row.counts.rate
    return None if rate is None else round(rate * 100, 1)


def report_rows(report: DistrictReport) -> Iterator[tuple]:
    yield (
        _("School code"),
        _("School"),
        _("From"),
        _("To"),
        _("Checks due"),
        _("Done"),
        _("Missed"),
        _("Still open"),
        _("Completion (%)"),
        _("Faults reported"),
        _("Unsafe"),
        _("Repairs accepted"),
        _("Mean time to an accepted repair (hours)"),
    )
    for row in [*report.rows, report.total]:
        school = row.school
        yield (
            school.code if school else "",
            school.title if school else _("The whole district"),
            row.start.isoformat(),
            row.end.isoformat(),
            row.counts.due,
            row.counts.done,
            row.counts.missed,
            row.counts.open,
            _rate(row),
            row.faults_reported,
            row.unsafe_reported,
            row.repairs_accepted,
            _hours(row),
        )
