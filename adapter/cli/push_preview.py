"""``push --dry-run`` and ``push --diff CASE``: what a push would do, before doing it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from adapter.cli.failures import EXIT_CONFIG, EXIT_FAILED, EXIT_UNREACHABLE, describe, fail
from adapter.cli.json_out import emit
from adapter.cli.sync_session import ledger_for
from adapter.errors import AdapterError, FHIRError
from adapter.fhir import open_client
from adapter.fhir.urls import BaseURL
from adapter.mappings.bundle import case_to_resources
from adapter.model.validation import parse_case
from adapter.settings import Settings
from adapter.sync.ledger import Ledger
from adapter.sync.namespace import NAMESPACE_KEY
from adapter.sync.push.diff import ResourceDiff, diff_resources
from adapter.sync.push.dry_run import DryRun, plan_dry_run
from adapter.sync.push.run import CaseInput

__all__ = ["existing_ledger", "known_namespace", "show_diff", "show_dry_run"]


@contextmanager
def existing_ledger(settings: Settings) -> Iterator[Ledger | None]:
    """The ledger if there is one; a SQLite ledger that does not exist yet is not created."""
    try:
        url = make_url(settings.ledger_url)
    except ArgumentError:
        fail(f"ADAPTER_LEDGER_URL: not a database URL: {settings.ledger_url}", EXIT_CONFIG)
    if url.get_backend_name() == "sqlite" and not (
        url.database and url.database != ":memory:" and Path(url.database).is_file()
    ):
        yield None
        return
    with ledger_for(settings) as ledger:
        yield ledger


def known_namespace(settings: Settings, ledger: Ledger | None) -> str | None:
    """The namespace a push would write under, read without creating one."""
    if settings.namespace is not None or ledger is None:
        return settings.namespace
    return ledger.get_setting(NAMESPACE_KEY)


def show_dry_run(settings: Settings, inputs: Iterable[CaseInput], *, as_json: bool) -> None:
    """Plan ``inputs`` and print the plan; exit 1 when some case is invalid."""
    server = BaseURL(settings.fhir_base_url).url
    with existing_ledger(settings) as ledger:
        plan = plan_dry_run(inputs, ledger, server, known_namespace(settings, ledger))
    if as_json:
        emit(dry_run_json(plan))
    else:
        _print_dry_run(plan)
    raise typer.Exit(EXIT_FAILED if plan.totals()["cases_invalid"] else 0)


def dry_run_json(plan: DryRun) -> dict[str, Any]:
    return {
        "dry_run": True,
        "server": plan.server,
        "namespace": plan.namespace,
        "totals": plan.totals(),
        "cases": [
            {
                "case_id": case.case_id,
                "source": case.source,
                "status": case.status,
                "create": case.create,
                "update": case.update,
                "unchanged": case.unchanged,
                "problem": case.problem,
            }
            for case in plan.cases
        ],
    }


def _print_dry_run(plan: DryRun) -> None:
    out = Console(soft_wrap=True, highlight=False)
    for case in plan.cases:
        if case.problem is not None:
            out.print(f"  case {escape(case.case_id)}: invalid: {escape(case.problem)}")
            continue
        parts = [
            f"{verb} {', '.join(f'{kind} {n}' for kind, n in counts.items())}"
            for verb, counts in (
                ("create", case.create),
                ("update", case.update),
                ("unchanged", case.unchanged),
            )
            if counts
        ]
        out.print(f"  case {escape(case.case_id)}: {case.status}; {'; '.join(parts)}")
    t = plan.totals()
    out.print(
        f"dry run against {escape(plan.server)} (namespace "
        f"{escape(plan.namespace or '(none)')}): {t['cases']} cases, {t['cases_would_write']} "
        f"would be written, {t['cases_unchanged']} unchanged, {t['cases_invalid']} invalid; "
        f"resources: {t['resources_create']} to create, {t['resources_update']} to update, "
        f"{t['resources_unchanged']} unchanged. Nothing was sent, the ledger was not changed."
    )


def show_diff(settings: Settings, case_id: str, *, as_json: bool) -> None:
    """The stored case against the server; exit 0 when the server holds exactly it, else 1."""
    with existing_ledger(settings) as ledger:
        stored = ledger.get_case(case_id) if ledger is not None else None
        namespace = known_namespace(settings, ledger)
    if stored is None or stored.document is None:
        fail(f"no stored case {case_id} (push it first)", EXIT_FAILED)
    try:
        resources = case_to_resources(parse_case(stored.document), namespace=namespace)
        diffs = asyncio.run(_read_and_compare(settings, resources))
    except FHIRError as exc:
        fail(describe(exc, settings.fhir_base_url), EXIT_UNREACHABLE)
    except AdapterError as exc:
        fail(str(exc), EXIT_FAILED)
    if as_json:
        emit({"case_id": case_id, "server": settings.fhir_base_url, "resources": diffs_json(diffs)})
    else:
        _print_diff(case_id, diffs)
    raise typer.Exit(0 if all(d.state == "same" for d in diffs) else EXIT_FAILED)


async def _read_and_compare(
    settings: Settings, resources: list[dict[str, Any]]
) -> list[ResourceDiff]:
    async with open_client(settings) as client:
        return await diff_resources(client, resources)


def diffs_json(diffs: list[ResourceDiff]) -> list[dict[str, Any]]:
    return [
        {
            "resource": f"{d.resource_type}/{d.resource_id}",
            "state": d.state,
            "server_version": d.server_version,
            "fields": [{"field": f.path, "stored": f.stored, "server": f.server} for f in d.fields],
        }
        for d in diffs
    ]


def _print_diff(case_id: str, diffs: list[ResourceDiff]) -> None:
    out = Console(soft_wrap=True, highlight=False)
    for d in diffs:
        version = f" (server version {d.server_version})" if d.server_version else ""
        out.print(f"{d.resource_type}/{escape(d.resource_id)}: {d.state}{version}")
        if not d.fields:
            continue
        table = Table(show_edge=False, pad_edge=False)
        for name in ("field", "stored", "server"):
            table.add_column(name, overflow="fold")
        for f in d.fields:
            table.add_row(escape(f.path), escape(_show(f.stored)), escape(_show(f.server)))
        out.print(table)
    differing = sum(1 for d in diffs if d.state != "same")
    out.print(f"case {escape(case_id)}: {len(diffs)} resources, {differing} differ from the server")


def _show(value: Any) -> str:
    return "(absent)" if value is None else json.dumps(value, ensure_ascii=False)
