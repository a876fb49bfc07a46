"""Each status or stage enum holds exactly the values its column's CHECK constraint allows, and
the API's OpenAPI schema lists the same values: a value added on one side only fails here."""

from __future__ import annotations

import re

import pytest

from app import db
from app.assessments.statuses import AssessmentStatus
from app.candidates.stages import Stage
from app.emails.statuses import EmailStatus
from app.invitations.statuses import InvitationStatus
from app.jobs.statuses import JobStatus
from app.reviews.statuses import DecisionOutcome
from app.vocabulary import Vocabulary
from app.webhooks.statuses import DeliveryStatus

VOCABULARIES: list[tuple[str, str, type[Vocabulary]]] = [
    ("invitation", "status", InvitationStatus),
    ("webhook_delivery", "status", DeliveryStatus),
    ("email_message", "status", EmailStatus),
    ("application", "stage", Stage),
    ("job", "status", JobStatus),
    ("assessment", "status", AssessmentStatus),
    ("decision", "outcome", DecisionOutcome),
]
# The API's answers that carry a vocabulary: (OpenAPI schema, property, enum).
API_FIELDS: list[tuple[str, str, type[Vocabulary]]] = [
    ("InvitationSummary", "status", InvitationStatus),
    ("JobOut", "status", JobStatus),
    ("AssessmentOut", "status", AssessmentStatus),
    ("CandidateOut", "stage", Stage),
    ("DecisionOut", "outcome", DecisionOutcome),
]


async def allowed_values(table: str, column: str) -> set[str]:
    """The values a single-column CHECK (column IN (...)) allows, read from the catalogue."""
    rows = await db.fetch(
        """SELECT pg_get_constraintdef(c.oid) AS definition
           FROM pg_constraint c
           JOIN pg_class t ON t.oid = c.conrelid
           JOIN pg_attribute a ON a.attrelid = t.oid AND a.attname = $2
           WHERE c.contype = 'c' AND t.relname = $1 AND c.conkey = ARRAY[a.attnum]""",
        table,
        column,
    )
    assert len(rows) == 1, f"{table}.{column}: expected one CHECK constraint, found {len(rows)}"
    return set(re.findall(r"'((?:[^']|'')*)'::text", rows[0]["definition"]))


@pytest.mark.parametrize(("table", "column", "vocabulary"), VOCABULARIES)
async def test_enum_matches_the_check_constraint(
    pool: None, table: str, column: str, vocabulary: type[Vocabulary]
) -> None:
    assert await allowed_values(table, column) == set(vocabulary.values())


def test_every_member_has_a_label_and_its_order() -> None:
    for _, _, vocabulary in VOCABULARIES:
        assert [m.order for m in vocabulary] == list(range(len(vocabulary)))
        assert all(m.label for m in vocabulary)


async def test_openapi_lists_the_same_values(client) -> None:
    schemas = (await client.get("/schema/openapi.json")).json()["components"]["schemas"]
    for name, prop, vocabulary in API_FIELDS:
        field = schemas[name]["properties"][prop]
        if "$ref" in field:
            field = schemas[field["$ref"].rsplit("/", 1)[1]]
        assert set(field.get("enum", ())) == set(vocabulary.values()), f"{name}.{prop}"


def test_templates_see_every_vocabulary(settings) -> None:
    from app.asgi import create_app

    engine = create_app(settings, run_worker=False).template_engine
    assert engine is not None
    env = engine.engine
    for _, _, vocabulary in VOCABULARIES:
        assert env.globals[vocabulary.__name__] is vocabulary
