"""Email through the school's SMTP server, when one is configured (MAIL_SERVER; off by default).

Notices decide who is written to (app.notices.writing); the worker sends each email
(app.notices.senders).
"""

from flask import current_app


def enabled() -> bool:
    return bool(current_app.config["MAIL_SERVER"])
