"""What the worker has to do and what it gave up on, read when the metrics are scraped."""

import logging

import sqlalchemy as sa
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy.exc import SQLAlchemyError

from app import tenancy, worker
from app.extensions import db
from app.models import Delivery, DeliveryStatus

log = logging.getLogger(__name__)


class WorkState:
    """A collector: the queue's length and the failed deliveries. One out of reach is left
    out of the scrape (and logged), and the other is still given."""

    def collect(self):
        try:
            waiting = worker.queue.pending_count()
        except Exception as error:  # whichever storage's: Redis or the queue file
            log.warning("Metrics: the worker's queue is out of reach: %s", error)
        else:
            yield GaugeMetricFamily(
                "patrol_worker_queue_length", "Tasks waiting in the worker's queue.", waiting
            )
        try:
            failed = _failed_deliveries()
        except SQLAlchemyError as error:
            db.session.rollback()
            log.warning("Metrics: the database is out of reach: %s", error)
        else:
            yield GaugeMetricFamily(
                "patrol_notice_deliveries_failed",
                "Notices' deliveries that failed for good, in every school.",
                failed,
            )


def _failed_deliveries() -> int:
    with tenancy.everywhere():
        return db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Delivery)
            .where(Delivery.status == DeliveryStatus.FAILED)
        )
