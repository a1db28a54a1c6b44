"""The school lists a district's number opens, read-only: a fixed set, each a page of the
school's own with the filters that show exactly what the number counts.

Rules:

- Only these lists open; anything else asked for is refused (the form says so).
- "term" opens the term list of the school's routine with the most checks missed this term
  (the one pulling its completion down); with nothing due yet, this week's checks.
"""

from dataclasses import dataclass

from flask import url_for

from app.dashboard.figures import term_completion


@dataclass(frozen=True)
class Target:
    endpoint: str
    args: tuple[tuple[str, str], ...] = ()


TARGETS = {
    "checks": Target("dashboard.checks"),
    "checks-done": Target("dashboard.checks", (("state", "done"),)),
    "checks-due": Target("dashboard.checks", (("state", "due"),)),
    "checks-overdue": Target("dashboard.checks", (("state", "overdue"),)),
    "unsafe": Target("faults.index", (("status", "open"), ("urgency", "unsafe"))),
    "repairs": Target("faults.index", (("status", "accepted"),)),
    "out": Target("faults.index", (("status", "open"), ("out", "1"))),
    "term": Target("dashboard.term"),
}


def address(name: str, on) -> str:
    """Where the target leads in the current school, as of its day `on`."""
    target = TARGETS[name]
    if target.endpoint == "dashboard.term":
        routines = term_completion(on).routines
        if not routines:
            return url_for("dashboard.checks")
        worst = max(routines, key=lambda routine: (routine.missed, -routine.checklist.id))
        return url_for("dashboard.term", routine=worst.checklist.id)
    return url_for(target.endpoint, **dict(target.args))
