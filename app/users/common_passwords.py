"""The passwords people choose most often, which are the ones tried first by anyone guessing.

The list (common_passwords.txt.gz, its sources in its first lines) is read the first time a
password is set, not when Patrol starts.
"""

import functools
import gzip
import unicodedata
from pathlib import Path

LIST = Path(__file__).with_name("common_passwords.txt.gz")


def is_common(password: str) -> bool:
    """Case, surrounding spaces and full-width forms aside: "Password " and "１２３４５６７８"
    (typed with a Chinese input method in full-width mode) are guessed as soon as the list's."""
    return unicodedata.normalize("NFKC", password).strip().lower() in _common_passwords()


@functools.cache
def _common_passwords() -> frozenset[str]:
    with gzip.open(LIST, "rt", encoding="utf-8") as lines:
        return frozenset(line.rstrip("\n") for line in lines if not line.startswith("#"))
