"""Readings on the rise: a reading that rose by more than a share of its limit since the last one.

A reading beyond its limit already raises a fault when it is signed; this flag comes before
that, while the reading is still in range but climbing fast (a crack 1.2 mm → 1.8 mm with a
3 mm limit rose by 20 % of the limit). The limit is the item's maximum as the latest reading
was signed against it; an item with no maximum (or one at or below zero, which no share of
can be measured against) is never flagged. Readings of a corrected inspection are left out,
as on the chart: the correction stands.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.models import Answer, Asset, AssetStatus, ChecklistItem, Inspection, ItemType


@dataclass(frozen=True)
class RisingReading:
    asset: Asset
    item: ChecklistItem  # the item as the latest reading answered it
    previous: float
    previous_day: date
    latest: float
    latest_day: date

    @property
    def rise(self) -> float:
        return float(_exact(self.latest) - _exact(self.previous))

    @property
    def share_of_limit(self) -> float:
        """The rise in percent of the limit."""
        rise = _exact(self.latest) - _exact(self.previous)
        return float(rise * 100 / _exact(self.item.max_value))


def _exact(value: float) -> Decimal:
    """The number as it was typed: 1.8 - 1.2 is 0.6, not 0.6000000000000001."""
    return Decimal(repr(value))


def rose_too_fast(
    previous: float, latest: float, min_value: float | None, max_value: float | None, share: int
) -> bool:
    """Whether `latest` rose from `previous` by more than `share` percent of `max_value`,
    while still in range (out of range is a fault already, not a warning)."""
    if max_value is None or max_value <= 0:
        return False
    if latest > max_value or (min_value is not None and latest < min_value):
        return False
    return (_exact(latest) - _exact(previous)) * 100 > _exact(max_value) * share


def rising_readings(share: int) -> list[RisingReading]:
    """Every asset's item lineage whose latest reading rose too fast, the steepest first.

    The latest two readings of each (asset, lineage) come from one query (a window function,
    on SQLite and PostgreSQL alike), whatever the length of the history.
    """
    correction = so.aliased(Inspection)
    ranked = (
        sa.select(
            Inspection.asset_id,
            ChecklistItem.lineage,
            Answer.item_id,
            Answer.reading,
            Inspection.local_date,
            sa.func.row_number()
            .over(
                partition_by=(Inspection.asset_id, ChecklistItem.lineage),
                order_by=(Inspection.submitted_at.desc(), Answer.id.desc()),
            )
            .label("recency"),
        )
        .join(Answer.inspection)
        .join(Answer.item)
        .where(
            # From the few reading items to their answers (indexed by item), rather than
            # through every answer of every inspection.
            Answer.item_id.in_(
                sa.select(ChecklistItem.id).where(ChecklistItem.type == ItemType.READING)
            ),
            Answer.reading.is_not(None),
            ~sa.exists().where(correction.corrects_id == Inspection.id),
        )
        .subquery()
    )
    rows = db.session.execute(
        sa.select(
            ranked.c.asset_id,
            ranked.c.lineage,
            ranked.c.item_id,
            ranked.c.reading,
            ranked.c.local_date,
            ranked.c.recency,
        ).where(ranked.c.recency <= 2)
    ).all()
    latest, previous = {}, {}
    for row in rows:
        (latest if row.recency == 1 else previous)[(row.asset_id, row.lineage)] = row
    if not latest:
        return []
    items = {
        item.id: item
        for item in db.session.scalars(
            sa.select(ChecklistItem).where(
                ChecklistItem.id.in_({row.item_id for row in latest.values()}),
                ChecklistItem.max_value.is_not(None),
            )
        )
    }
    pairs = []
    for key, last in latest.items():
        item, before = items.get(last.item_id), previous.get(key)
        if item is None or before is None:
            continue
        if rose_too_fast(before.reading, last.reading, item.min_value, item.max_value, share):
            pairs.append((last, before, item))
    if not pairs:
        return []
    assets = {
        asset.id: asset
        for asset in db.session.scalars(
            sa.select(Asset)
            .where(
                Asset.id.in_({last.asset_id for last, _, _ in pairs}),
                Asset.status != AssetStatus.RETIRED,
            )
            .options(so.joinedload(Asset.place))
        )
    }
    flagged = [
        RisingReading(
            asset=assets[last.asset_id],
            item=item,
            previous=before.reading,
            previous_day=before.local_date,
            latest=last.reading,
            latest_day=last.local_date,
        )
        for last, before, item in pairs
        if last.asset_id in assets
    ]
    return sorted(flagged, key=lambda r: (-r.share_of_limit, r.asset.name, r.asset.id))
