"""How often reports without an account are accepted: per address, and per phone number.

A visitor's report costs the school a look, and may take an asset out of service, so
reports made without an account are counted twice (in RATELIMIT_STORAGE_URI, shared by
every server):

- per address (app.request_address: an IPv6 phone is counted by its /64), before the
  photos are read, so a flood from one
  address costs no image decoding;
- per phone number given, whatever the address, once the report is otherwise acceptable.
  A number is one number however it is written (phone_key).

A report without a phone number is held by the address limit alone; many numbers from one
address are held by it too. A repeat of a send already recorded is answered before it is
counted. Signed-in staff are never limited. The windows move: "5 per minute" holds over any
60 seconds, not only from one clock minute to the next.

With that storage out of reach (Redis down), reports are counted in this process's memory
until it answers again: each server then holds its own count, still a limit, and the
report is taken. The log says so once when the storage goes, and once when it is back.
"""

import logging
import math
import time
import unicodedata
from dataclasses import dataclass

from flask_babel import ngettext
from limits import RateLimitItem, parse_many
from limits.errors import StorageError
from limits.storage import MemoryStorage, Storage
from limits.strategies import MovingWindowRateLimiter

from app.extensions import limiter
from app.request_address import counted_address

ADDRESS_LIMITS = parse_many("5 per minute;20 per hour")
PHONE_LIMITS = parse_many("5 per minute;20 per hour")
# China's country code, written before a number dialled from abroad (+86, 0086).
COUNTRY_CODE = "86"
MOBILE_DIGITS = 11

log = logging.getLogger(__name__)
# Where reports are counted while RATELIMIT_STORAGE_URI is out of reach.
_FALLBACK = MemoryStorage()
_storage_down = False


@dataclass(frozen=True)
class TooMany:
    """A report refused for now: the words for the reporter, and the seconds to wait."""

    retry_after: int

    @property
    def message(self) -> str:
        minutes = max(1, math.ceil(self.retry_after / 60))
        return ngettext(
            "Too many reports in a short time. Nothing was sent yet and what you wrote "
            "is kept: send it again in %(num)d minute.",
            "Too many reports in a short time. Nothing was sent yet and what you wrote "
            "is kept: send it again in %(num)d minutes.",
            minutes,
        )


def phone_key(typed: str) -> str:
    """The phone number as it is counted: its digits alone, "" when it has none.

    Every way of writing one number gives the same key: spaces and dashes, full-width or
    other scripts' digits, a trailing space, "+86"/"0086" before the number or the trunk
    "0" before an area code. "138 0013 8000", "+86 138-0013-8000" and "１３８００１３８０００"
    are one phone.
    """
    digits = "".join(
        str(unicodedata.decimal(character)) for character in typed if character.isdecimal()
    )
    digits = digits.removeprefix("00")
    if digits.startswith(COUNTRY_CODE) and len(digits) > MOBILE_DIGITS:
        digits = digits.removeprefix(COUNTRY_CODE)
    return digits.lstrip("0")


def count_address() -> TooMany | None:
    """Count a report from this request's address; TooMany when it is over the limit."""
    return _count(ADDRESS_LIMITS, "public-report-address", counted_address())


def count_phone(typed: str) -> TooMany | None:
    """Count a report giving this phone number; TooMany when it is over the limit."""
    key = phone_key(typed)
    if not key:
        return None
    return _count(PHONE_LIMITS, "public-report-phone", key)


def _count(items: list[RateLimitItem], *identifiers: str) -> TooMany | None:
    global _storage_down
    try:
        too_many = _count_in(limiter.storage, items, identifiers)
    except StorageError as error:
        if not _storage_down:
            log.warning(
                "Report limits' storage is out of reach (%s): counting in this process's "
                "memory until it is back",
                error.storage_error,
            )
            _storage_down = True
        return _count_in(_FALLBACK, items, identifiers)
    if _storage_down:
        log.warning("Report limits' storage is back: counting there again")
        _storage_down = False
    return too_many


def _count_in(
    storage: Storage, items: list[RateLimitItem], identifiers: tuple[str, ...]
) -> TooMany | None:
    strategy = MovingWindowRateLimiter(storage)
    # Every window is tested before any is counted: a refused send uses up none of them.
    full = [item for item in items if not strategy.test(item, *identifiers)]
    if not full and all([strategy.hit(item, *identifiers) for item in items]):
        return None
    full = full or items
    reset = max(strategy.get_window_stats(item, *identifiers).reset_time for item in full)
    return TooMany(retry_after=max(1, math.ceil(reset - time.time())))
