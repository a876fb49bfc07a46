"""The statuses of a webhook delivery (the `webhook_delivery.status` column)."""

from __future__ import annotations

from app.vocabulary import Vocabulary


class DeliveryStatus(Vocabulary):
    RECEIVED = "received", "Received", True
    PROCESSING = "processing", "Processing", True
    PROCESSED = "processed", "Processed"
    IGNORED = "ignored", "Ignored"  # authentic, but nothing to apply
    REJECTED = "rejected", "Rejected"  # not processable (not JSON, not an object)
    FAILED = "failed", "Failed", True  # retried with backoff
    DEAD = "dead", "Dead"  # out of retries: replay it by hand
