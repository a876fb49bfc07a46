"""Prometheus metrics of the webhook path. Counters and histograms are per process (each `serve`
and `worker` process counts its own; sum them in Prometheus); the inbox gauges are computed
from the database at scrape time, so every process reports the same truth."""

from __future__ import annotations

from prometheus_client import REGISTRY, Counter, Gauge, Histogram, generate_latest

from app import db
from app.webhooks.statuses import DeliveryStatus

DELIVERIES = Counter(
    "hirewire_webhook_deliveries_total",
    "Webhook requests by outcome (stored, duplicate, rejected, bad_signature, unknown_token, "
    "too_large, unavailable).",
    ["outcome"],
)
SIGNATURE_FAILURES = Counter(
    "hirewire_webhook_signature_failures_total",
    "Webhook requests with a missing or wrong signature.",
)
PROCESSED = Counter(
    "hirewire_webhook_processing_total",
    "Delivery processing attempts by outcome (processed, ignored, retry, dead).",
    ["outcome"],
)
FOREIGN = Counter(
    "hirewire_webhook_foreign_total",
    "Deliveries naming an interview or flow of another assessment than the endpoint's "
    "(stored, ignored, no effect).",
    ["provider", "what"],
)
PROCESSING_SECONDS = Histogram(
    "hirewire_webhook_processing_seconds",
    "Time to process one delivery (provider fetch and merge).",
    ["event"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
PROVIDER_ERRORS = Counter(
    "hirewire_provider_call_errors_total",
    "Failed provider API calls by provider and error type.",
    ["provider", "error"],
)
INBOX_DEPTH = Gauge(
    "hirewire_webhook_inbox_depth",
    "Deliveries not yet processed (received, processing or failed and retrying).",
)
INBOX_OLDEST = Gauge(
    "hirewire_webhook_inbox_oldest_age_seconds",
    "Age of the oldest delivery not yet processed (0 when none).",
)
DEAD = Gauge("hirewire_webhook_dead_deliveries", "Deliveries that gave up (dead).")

UNPROCESSED = DeliveryStatus.waiting_values()


async def refresh_gauges() -> None:
    row = await db.fetchrow(
        """SELECT count(*) FILTER (WHERE status = ANY($1)) AS depth,
                  coalesce(extract(epoch FROM now() - min(received_at)
                           FILTER (WHERE status = ANY($1))), 0) AS oldest,
                  count(*) FILTER (WHERE status = 'dead') AS dead
           FROM webhook_delivery WHERE status NOT IN ('processed', 'ignored')""",
        list(UNPROCESSED),
    )
    if row is not None:
        INBOX_DEPTH.set(row["depth"])
        INBOX_OLDEST.set(float(row["oldest"]))
        DEAD.set(row["dead"])


def exposition() -> bytes:
    return generate_latest(REGISTRY)
