"""The gauges ``GET /metrics`` reads at scrape time, never per request: the event outbox's backlog
and its age (one aggregate statement over a partial index) and the rq queues' depths (one Redis
round trip). A source that does not answer is reported by ``retain_metrics_source_up`` and its
gauges are left out; the scrape still answers.
"""

from __future__ import annotations

import logging

from prometheus_client.core import GaugeMetricFamily
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from saas.core import outbox
from saas.core.db import db
from saas.core.metrics import PREFIX
from saas.core.queues import current_queue
from saas.core.types import utcnow

log = logging.getLogger(__name__)


class ScrapeTimeGauges:
    """A prometheus-client collector; call ``collect`` inside the application's context."""

    def collect(self):
        up = GaugeMetricFamily(f"{PREFIX}_metrics_source_up",
                               "Whether the scrape could read a source (1) or not (0, its gauges are left out).",
                               labels=["source"])
        families = []
        try:
            families += self._outbox()
            up.add_metric(["database"], 1)
        except SQLAlchemyError as error:
            log.warning("metrics: the event backlog could not be read: %s", error)
            up.add_metric(["database"], 0)
        depths = getattr(current_queue(), "depths", None)  # rq only: in-process jobs wait in no queue
        if depths is not None:
            try:
                families.append(self._queues(depths()))
                up.add_metric(["redis"], 1)
            except RedisError as error:
                log.warning("metrics: the queues' depths could not be read: %s", error)
                up.add_metric(["redis"], 0)
        return [*families, up]

    @staticmethod
    def _outbox() -> list[GaugeMetricFamily]:
        with db.engine.connect() as connection:
            undelivered, oldest = outbox.backlog(connection)
        age = max((utcnow() - oldest).total_seconds(), 0.0) if oldest is not None else 0.0
        return [
            GaugeMetricFamily(f"{PREFIX}_outbox_undelivered_events",
                              "Events of every tenant written but not yet delivered.", value=undelivered),
            GaugeMetricFamily(f"{PREFIX}_outbox_oldest_undelivered_age_seconds",
                              "Seconds since the oldest undelivered event occurred (0 when none waits).", value=age),
        ]

    @staticmethod
    def _queues(depths: dict[tuple[str, str], int]) -> GaugeMetricFamily:
        family = GaugeMetricFamily(f"{PREFIX}_queue_jobs", "Jobs in each rq queue, by state "
                                   "(queued, started, scheduled, failed).", labels=["queue", "state"])
        for (queue, state), count in sorted(depths.items()):
            family.add_metric([queue, state], count)
        return family
