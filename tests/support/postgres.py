"""A fresh PostgreSQL schema per test on the test server (scripts/postgres.sh)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

from sqlalchemy import make_url, text

from adapter.sync.ledger.engine import create_ledger_engine


def fresh_postgres_schema(server_url: str, prefix: str = "ledger_test") -> Iterator[str]:
    """A schema of its own, chosen through the connection's search_path; dropped afterwards."""
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_ledger_engine(server_url)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = make_url(server_url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        admin.dispose()
