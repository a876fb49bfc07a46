"""The outcomes of a decision (the `decision.outcome` column)."""

from __future__ import annotations

from app.vocabulary import Vocabulary


class DecisionOutcome(Vocabulary):
    ADVANCE = "advance", "Advance"
    HOLD = "hold", "Hold"
    REJECT = "reject", "Reject"
