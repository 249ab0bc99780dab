"""What the scale tier measures outside the workers: the ledger database's activity, HAPI's
CPU, and the markdown report."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

__all__ = ["Activity", "LedgerDatabase", "case_versions", "hapi_cpu_seconds", "render_scale"]


@dataclass(frozen=True)
class Activity:
    transactions: int
    rows_written: int

    def __sub__(self, other: Activity) -> Activity:
        return Activity(
            self.transactions - other.transactions, self.rows_written - other.rows_written
        )


class LedgerDatabase:
    """A database of its own for one tier's ledger, on the server of ``server_url``."""

    def __init__(self, server_url: str, name: str) -> None:
        parts = urlsplit(server_url)
        self.name = name
        self._admin = urlunsplit(parts._replace(path="/postgres"))
        self.libpq_url = urlunsplit(parts._replace(path=f"/{name}"))
        self.sqlalchemy_url = self.libpq_url.replace("postgresql://", "postgresql+psycopg://", 1)

    def create(self) -> None:
        self._admin_sql(f'DROP DATABASE IF EXISTS "{self.name}"', f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        self._admin_sql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def activity(self) -> Activity:
        """Committed transactions and rows inserted, updated or deleted in this database so
        far (the statistics reach the view within about a second: waited for)."""
        import psycopg

        time.sleep(1.5)
        with psycopg.connect(self._admin, autocommit=True) as connection:
            connection.execute("SELECT pg_stat_clear_snapshot()")
            row = connection.execute(
                "SELECT xact_commit, tup_inserted + tup_updated + tup_deleted "
                "FROM pg_stat_database WHERE datname = %s",
                (self.name,),
            ).fetchone()
        return Activity(int(row[0]), int(row[1])) if row else Activity(0, 0)

    def _admin_sql(self, *statements: str) -> None:
        import psycopg

        with psycopg.connect(self._admin, autocommit=True) as connection:
            for statement in statements:
                connection.execute(statement)  # names of our own


def case_versions(hapi_database_url: str) -> int:
    """Resource versions HAPI holds, without the marker each worker rewrites (a ``Basic``)."""
    import psycopg

    with psycopg.connect(hapi_database_url) as connection:
        row = connection.execute(
            "SELECT count(*) FROM hfj_res_ver WHERE res_type <> 'Basic'"
        ).fetchone()
    return int(row[0]) if row else 0


def hapi_cpu_seconds(pid_file: Path | None) -> float | None:
    """User + system CPU seconds of the HAPI process named in ``pid_file`` (Linux /proc)."""
    if pid_file is None or not pid_file.is_file():
        return None
    try:
        pid = int(pid_file.read_text().strip())
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, ValueError):
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime, stime (fields 14 and 15)


_COLUMNS = (
    ("workers", "workers", 0),
    ("wall_s", "wall s", 1),
    ("cases_per_s", "cases/s", 1),
    ("cases_written_twice", "written twice", 0),
    ("extra_versions", "extra versions", 0),
    ("cases_failed", "failed", 0),
    ("client_cpu_ms_per_case", "client CPU ms/case", 1),
    ("server_cpu_s", "HAPI CPU s", 1),
    ("ledger_transactions_per_case", "ledger tx/case", 1),
    ("ledger_rows_written_per_case", "ledger rows/case", 1),
)


def render_scale(result: Mapping[str, Any]) -> str:
    """The scale tier as markdown: one row per worker count, then the goals."""
    env = result["environment"]
    lines = [
        f"# Scale-out: {result['cases']} cases, workers on one PostgreSQL ledger "
        f"({result['date']}, commit {env.get('commit')})",
        "",
        f"{env['machine'].get('nproc')} cores shared with HAPI and PostgreSQL; "
        f"{result['concurrency_per_worker']} cases in flight per worker; dataset: "
        f"{result['dataset']['distinct_resources']} distinct resources, "
        f"{result['dataset']['transaction_bytes_per_case']} bytes of transaction per case.",
        "",
        "| " + " | ".join(header for _, header, _ in _COLUMNS) + " | ledger = server |",
        "|" + "---|" * (len(_COLUMNS) + 1),
    ]
    for tier in result["tiers"]:
        cells = [_number(tier.get(key), decimals) for key, _, decimals in _COLUMNS]
        lines.append("| " + " | ".join(cells) + f" | {tier['ledger_equals_server']} |")
    lines += ["", "| goal | value | target | met |", "|---|---|---|---|"]
    for goal in result["goals"]:
        value = goal["value"]
        shown = f"{value:.3g}" if isinstance(value, float) else str(value)
        lines.append(f"| {goal['name']} | {shown} | {goal['goal']} | {goal['met']} |")
    return "\n".join(lines) + "\n"


def _number(value: Any, decimals: int) -> str:
    if value is None:
        return "-"
    return f"{value:.{decimals}f}" if isinstance(value, float) else str(value)
