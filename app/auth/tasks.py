"""The sign-ins' work for the worker: forgetting the ones long over, every hour."""

from huey import crontab

from app import worker
from app.auth import sign_ins


@worker.periodic(crontab(minute="23"))
def forget_old_sign_ins() -> None:
    """Idempotent: two workers deleting the same rows delete them once."""
    sign_ins.forget_old()
