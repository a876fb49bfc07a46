"""Schemathesis against the JSON API's OpenAPI schema, over real HTTP to `hirewire serve`, with
a valid token: no 5xx for any generated input, every error is JSON with a message, and
successful responses match the schema."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from app.settings import PROJECT_ROOT
from tests.conftest import TEST_SECRET_KEY


def cli(dsn: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "app", *args],
        capture_output=True,
        text=True,
        check=True,
        cwd=PROJECT_ROOT,
        timeout=60,
        env={"DATABASE_URL": dsn, "SECRET_KEY": TEST_SECRET_KEY, "PATH": "/usr/bin:/bin"},
    )
    return done.stdout.strip().splitlines()[-1]


@pytest.fixture
def api_token(test_database: Any) -> str:
    org = cli(test_database.dsn, "create-org", "--name", "Schema Org")
    cli(
        test_database.dsn,
        "create-user",
        "--org",
        org,
        "--email",
        "schema@example.com",
        "--password",
        "schema-password-1",
        "--role",
        "admin",
    )
    return cli(test_database.dsn, "create-api-token", "--email", "schema@example.com")


def test_api_answers_every_generated_request_sensibly(live_server: Any, api_token: str) -> None:
    schema = schemathesis.openapi.from_url(f"{live_server.url}/schema/openapi.json")
    headers = {"Authorization": f"Bearer {api_token}"}
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    api = [op for op in operations if op.path.startswith("/api/v1/")]
    assert len(api) >= 10, [op.path for op in operations]
    statuses: list[int] = []
    for operation in api:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=8, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        def call(case: Any) -> None:
            response = case.call(base_url=live_server.url, headers=headers, timeout=30)
            statuses.append(response.status_code)
            where = f"{case.method} {case.formatted_path}"
            assert response.status_code < 500, f"{where}: {response.text[:500]}"
            if response.status_code >= 400:
                body = response.json()
                assert isinstance(body, dict), f"{where}: {response.text[:300]}"
                assert body.get("message"), f"{where}: {response.text[:300]}"
            else:
                case.validate_response(response, checks=[checks.response_schema_conformance])

        call()
    assert len(statuses) >= 3 * len(api)
    assert any(200 <= s < 300 for s in statuses), "no generated request succeeded"
