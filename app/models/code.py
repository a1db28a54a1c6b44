"""Scan codes: the short text under every QR label, and where it leads.

Every code ever issued keeps its row, so a replaced label can still say it was replaced,
and a blank label printed for the first labelling walk waits here until it is claimed.
"""

import secrets
import unicodedata
from collections.abc import Collection
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.models.common import EVERYWHERE_OPTION, SchoolOwned, utcnow

# No 0/O, 1/I/L: a code is often typed from a worn label.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 6


def normalize_code(text: str) -> str:
    """What a person typed, as stored: upper case, without spaces or dashes.

    NFKC first: a Chinese keyboard in full-width mode types "ＡＢＣ２３４" for ABC234.
    """
    folded = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in folded.upper() if ch not in " -_\t")


def is_well_formed(code: str) -> bool:
    return len(code) == CODE_LENGTH and all(ch in ALPHABET for ch in code)


def random_code() -> str:
    """Every code equally likely; one draw from the system's randomness, not one per letter."""
    number = secrets.randbelow(len(ALPHABET) ** CODE_LENGTH)
    letters = []
    for _ in range(CODE_LENGTH):
        number, digit = divmod(number, len(ALPHABET))
        letters.append(ALPHABET[digit])
    return "".join(letters)


class ScanCode(SchoolOwned, db.Model):
    __tablename__ = "scan_codes"
    __table_args__ = (
        sa.CheckConstraint(
            "asset_id IS NULL OR place_id IS NULL", name="one_owner"
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    value: so.Mapped[str] = so.mapped_column(sa.String(12), unique=True)
    asset_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("assets.id"), index=True)
    place_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("places.id"), index=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    replaced_at: so.Mapped[datetime | None]
    replaced_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("scan_codes.id"))

    asset: so.Mapped["Asset | None"] = so.relationship()  # noqa: F821
    place: so.Mapped["Place | None"] = so.relationship()  # noqa: F821
    replaced_by: so.Mapped["ScanCode | None"] = so.relationship(remote_side=[id])
    # Whose plate it is: a scan opens the plate's school (app.scan).
    school: so.Mapped["School"] = so.relationship()  # noqa: F821

    @property
    def is_blank(self) -> bool:
        return self.asset_id is None and self.place_id is None

    @property
    def is_replaced(self) -> bool:
        return self.replaced_at is not None

    def __repr__(self) -> str:
        return f"<ScanCode {self.value}>"


def school_of_code(value: str) -> int | None:
    """Which school a label is in, looked up across schools: codes are unique in the
    deployment, so the plate says whose it is."""
    return db.session.scalar(
        sa.select(ScanCode.school_id)
        .where(ScanCode.value == value)
        .execution_options(**{EVERYWHERE_OPTION: True})
    )


def unused_code_value() -> str:
    """A fresh random code that no label has ever carried."""
    while True:
        value = random_code()
        taken = db.session.scalar(
            sa.select(ScanCode.id)
            .where(ScanCode.value == value)
            .execution_options(**{EVERYWHERE_OPTION: True})
        )
        if taken is None:
            return value


def unused_code_values(count: int, reserved: Collection[str] = ()) -> list[str]:
    """`count` fresh random codes that no label has ever carried and none of `reserved` is.

    For many codes at once (a large import): one query reads every code issued, and a code
    drawn twice, or drawn already taken, is drawn again in memory.
    """
    taken = set(
        db.session.scalars(
            sa.select(ScanCode.value).execution_options(**{EVERYWHERE_OPTION: True})
        )
    )
    taken.update(reserved)
    fresh: set[str] = set()
    while len(fresh) < count:
        value = random_code()
        if value not in taken:
            fresh.add(value)
    return list(fresh)


def issue_code(owner, value: str | None = None) -> ScanCode:
    """Give an asset or a place its code: a fresh one, or a given, unused one."""
    scan_code = ScanCode(value=value or unused_code_value())
    _attach(scan_code, owner)
    db.session.add(scan_code)
    return scan_code


def issue_blank_codes(count: int) -> list[ScanCode]:
    """Codes that belong to nothing yet, printed for the first labelling walk."""
    codes = [ScanCode(value=unused_code_value()) for _ in range(count)]
    db.session.add_all(codes)
    return codes


def claim_blank_code(scan_code: ScanCode, owner) -> None:
    """A blank label was stuck on something: the code now leads to it."""
    if not scan_code.is_blank or scan_code.is_replaced:
        raise ValueError(f"code {scan_code.value} is not a blank code")
    _attach(scan_code, owner)


def replace_code(owner) -> ScanCode:
    """The label was damaged or copied: a new code for the owner; the old one leads nowhere."""
    old = current_code_of(owner)
    new = ScanCode(value=unused_code_value())
    _attach(new, owner)
    db.session.add(new)
    if old is not None:
        db.session.flush()
        old.replaced_at = utcnow()
        old.replaced_by = new
    return new


def current_code_of(owner) -> ScanCode | None:
    return db.session.scalar(
        sa.select(ScanCode).where(ScanCode.value == owner.code, ScanCode.replaced_at.is_(None))
    )


def _attach(scan_code: ScanCode, owner) -> None:
    from app.models.asset import Asset

    if isinstance(owner, Asset):
        scan_code.asset = owner
    else:
        scan_code.place = owner
    owner.code = scan_code.value
