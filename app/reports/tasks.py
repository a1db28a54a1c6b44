"""The reports' work for the worker: laying out the PDFs asked for, and deleting old ones."""

from app import tenancy, worker
from app.models import PreparedReport
from app.reports import preparing


@worker.task()
def prepare_pdf(prepared_id: int) -> None:
    school_id = tenancy.school_of(PreparedReport, prepared_id)
    if school_id is not None:
        with tenancy.in_school(school_id):
            preparing.lay_out(prepared_id)


@worker.periodic(worker.every_minute())
def delete_expired_pdfs() -> None:
    """Idempotent: two workers deleting the same expired rows delete them once."""
    with tenancy.everywhere():
        preparing.delete_expired()
