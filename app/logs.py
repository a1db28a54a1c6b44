"""Where Patrol's log lines go, and the request id each carries.

Everything Patrol logs goes through the "app" logger (Flask's app.logger is that logger,
and every module's `logging.getLogger(__name__)` is below it), and so does Flask-Limiter's
word that the limits' storage is out of reach. Each line carries the request id of the
request it was written in (app.request_log), or "-" outside a request (a command, the
worker), so an error in the log can be found from the id on the error page.

Under gunicorn the lines are handed to gunicorn's error log, which writes them where the
operator pointed it (`--error-logfile`, default standard error) after its own time stamp,
process id and level; elsewhere they go to standard error with a time stamp and level of
their own. LOG_LEVEL sets how much is written (INFO: a line per request).
"""

import logging
import sys

from flask import g, has_request_context
from flask.logging import default_handler

# Loggers written to by others that an operator must see in the same log.
OTHER_LOGGERS = ("flask-limiter",)
REQUEST_ID = "request_id"
NO_REQUEST = "-"
STANDALONE_FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"
# gunicorn's own format stands before this one: time, process id and level.
GUNICORN_FORMAT = "[%(request_id)s] %(name)s: %(message)s"


class RequestIdFilter(logging.Filter):
    """Gives every record the id of the request it was written in."""

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = g.get(REQUEST_ID) if has_request_context() else None
        record.request_id = request_id or NO_REQUEST
        return True


class IntoGunicornErrorLog(logging.Handler):
    """Formats a line as Patrol does, then hands it to gunicorn's error log as it stands."""

    def __init__(self, gunicorn_logger: logging.Logger):
        super().__init__()
        self.gunicorn_logger = gunicorn_logger

    def emit(self, record: logging.LogRecord) -> None:
        line = logging.makeLogRecord(
            {**record.__dict__, "msg": self.format(record), "args": None, "exc_info": None,
             "exc_text": None, "stack_info": None}
        )
        self.gunicorn_logger.handle(line)


def init_app(app) -> None:
    name = str(app.config["LOG_LEVEL"]).upper()
    level = logging.getLevelName(name)
    if not isinstance(level, int):
        raise RuntimeError(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not {name!r}")
    handler = _handler()
    handler.addFilter(RequestIdFilter())
    for name in ("app", *OTHER_LOGGERS):
        logger = logging.getLogger(name)
        # create_app may run more than once in a process (the tests): one handler each.
        for old in [h for h in logger.handlers if getattr(h, "patrol", False)]:
            logger.removeHandler(old)
        logger.removeHandler(default_handler)
        logger.addHandler(handler)
        logger.setLevel(level)
        # Not again through the root logger, which the worker's command gives a handler too.
        logger.propagate = False


def _handler() -> logging.Handler:
    gunicorn = logging.getLogger("gunicorn.error")
    if gunicorn.handlers:
        handler = IntoGunicornErrorLog(gunicorn)
        handler.setFormatter(logging.Formatter(GUNICORN_FORMAT))
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(STANDALONE_FORMAT))
    handler.patrol = True
    return handler
