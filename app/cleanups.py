"""Clean-ups the worker runs by itself, every hour: the stored photos no record claims.

`flask --app app photos clean` does the same by hand (app/core/photos/cleanup.py has the
rule); two workers cleaning at once delete each photo once, the second finding it gone.
"""

from huey import crontab

from app import worker
from app.core.photos.cleanup import clean_unclaimed


@worker.periodic(crontab(minute="41"))
def clean_unclaimed_photos() -> None:
    clean_unclaimed()
