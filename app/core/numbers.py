"""Numbers as a person types them on a phone: a reading, an amount of money.

A Chinese input method may type full-width digits (１２０), and many phones offer a comma for
the decimal point (12,5); both are read as the plain number. Only a plain number is: no
thousands separators, no words ("NaN", "Infinity"), no underscores.
"""

import re
import unicodedata
from decimal import Decimal

NUMBER = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")


def typed_number(typed: str) -> Decimal | None:
    """The number typed, exactly (a Decimal, so an amount keeps its fen), or None when the
    text is not one. Spaces anywhere are ignored; a single comma with no point is the point."""
    text = unicodedata.normalize("NFKC", typed).strip().replace(" ", "")
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    if not NUMBER.fullmatch(text):
        return None
    return Decimal(text)
