"""The reports' work for the worker: laying out the PDFs asked for, and deleting old ones."""

from app import worker
from app.reports import preparing


@worker.task()
def prepare_pdf(prepared_id: int) -> None:
    preparing.lay_out(prepared_id)


@worker.periodic(worker.every_minute())
def delete_expired_pdfs() -> None:
    """Idempotent: two workers deleting the same expired rows delete them once."""
    preparing.delete_expired()
