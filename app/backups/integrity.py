"""The integrity check of an install's records, run after every restore and on its own by
`flask --app app check-records`.

Rules:
- Every signed record's signature is there and of the record's own school (an inspection,
  a fault's repair and acceptance, a fault event, a closed stocktake).
- Every drawn signature is a PNG that can be read.
- Every photo a record names is in the photo folder, with its thumbnail.
- Against a backup's manifest, at the manifest's revision: the rows of every table and the
  digest of every signature are the backup's.
"""

from dataclasses import dataclass, field
from io import BytesIO

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from PIL import Image

from app.backups.archive import Manifest
from app.backups.contents import named_photos, revision_of, signatures_sha256, table_counts
from app.core.photos import photo_folder, thumbnail_name
from app.extensions import db
from app.models import Fault, FaultEvent, Inspection, Signature, Stocktake

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SIGNED_COLUMNS = (
    Inspection.__table__.c.signature_id,
    Fault.__table__.c.repair_signature_id,
    Fault.__table__.c.acceptance_signature_id,
    FaultEvent.__table__.c.signature_id,
    Stocktake.__table__.c.signature_id,
)


@dataclass
class Report:
    problems: list = field(default_factory=list)
    # The schema is older than this code's: the record rules wait for `flask db upgrade`.
    older_revision: str | None = None


def check(head: str, manifest: Manifest | None = None) -> Report:
    report = Report()
    with db.engine.connect() as connection:
        revision = revision_of(connection)
        if manifest is not None and revision == manifest.alembic_revision:
            _compare_with_manifest(connection, manifest, report)
        if revision != head:
            report.older_revision = revision
            return report
        _check_signatures(connection, report)
        _check_photos(connection, report)
    return report


def _compare_with_manifest(connection, manifest: Manifest, report: Report) -> None:
    counts = table_counts(connection)
    for table in sorted(set(counts) | set(manifest.counts)):
        found, expected = counts.get(table, 0), manifest.counts.get(table, 0)
        if found != expected:
            report.problems.append(
                _l(
                    "%(table)s holds %(found)s rows; the backup holds %(expected)s.",
                    table=table,
                    found=found,
                    expected=expected,
                )
            )
    if signatures_sha256(connection) != manifest.signatures_sha256:
        report.problems.append(_l("The signatures are not those of the backup."))


def _check_signatures(connection, report: Report) -> None:
    signatures = Signature.__table__
    for column in SIGNED_COLUMNS:
        record = column.table
        unlinked = connection.execute(
            sa.select(sa.func.count())
            .select_from(record.outerjoin(signatures, signatures.c.id == column))
            .where(
                column.is_not(None),
                sa.or_(
                    signatures.c.id.is_(None),
                    signatures.c.school_id != record.c.school_id,
                ),
            )
        ).scalar()
        if unlinked:
            report.problems.append(
                _l(
                    "%(count)s rows of %(table)s.%(column)s name a signature that is missing "
                    "or of another school.",
                    count=unlinked,
                    table=record.name,
                    column=column.name,
                )
            )
    drawings = connection.execution_options(yield_per=500).execute(
        sa.select(signatures.c.id, signatures.c.image).where(signatures.c.image.is_not(None))
    )
    for signature_id, image in drawings:
        if not _is_png(image):
            report.problems.append(
                _l("Signature %(id)s is not a drawing that can be read.", id=signature_id)
            )


def _is_png(data: bytes) -> bool:
    if not data.startswith(PNG_MAGIC):
        return False
    try:
        Image.open(BytesIO(data), formats=["PNG"]).verify()
    except Exception:  # Pillow raises many kinds for a damaged file: all mean "unreadable".
        return False
    return True


def _check_photos(connection, report: Report) -> None:
    folder = photo_folder()
    for name in sorted(named_photos(connection)):
        for file in (name, thumbnail_name(name)):
            if not (folder / file).is_file():
                report.problems.append(
                    _l("The photo %(name)s, named by a record, is missing.", name=file)
                )
