"""The ledger tests' clock, server name and backends (PostgreSQL when a server is given)."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

SERVER = "https://fhir.example.org/r4"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


# PostgreSQL joins in when a server is given (scripts/postgres.sh start prints the variable).
POSTGRES_URL = os.environ.get("ADAPTER_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"]
