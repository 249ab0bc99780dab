"""A case manager and a provider working on one case through the CLI and the real HAPI: the
case manager edits a file and runs ``adapter push`` / ``adapter pull``; the provider writes the
case's resources on the server directly."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any

import httpx
from typer.testing import CliRunner

from adapter.cli import app
from adapter.fhir import open_client
from adapter.mappings.bundle import case_to_resources
from adapter.model.validation import parse_case
from adapter.settings import load_settings
from adapter.sync.ledger import Ledger
from adapter.sync.namespace import NAMESPACE_KEY
from adapter.sync.pull.changes import history_time
from adapter.sync.push.run import CaseInput, push_cases
from tests.support.casefiles import example_case


class Desk:
    """One case file (CM-2001 under fresh ids), one ledger, one server."""

    def __init__(self, server: str, tmp_path: Path, *, namespace: bool = True) -> None:
        self.server = server
        # T-2 in progress, T-3 requested, G-1 improving; its own case and client ids.
        fresh = example_case("CM-2001", uuid.uuid4().hex[:10])
        self.case: dict[str, Any] = fresh.model_dump(mode="json", exclude_none=True)
        self.file = tmp_path / "case.json"
        self.ledger_url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
        # The shared test server is a shared sandbox: this installation keeps a namespace
        # (unless the test is about an installation without one).
        with Ledger.open(self.ledger_url) as ledger:
            if namespace:
                ledger.ensure_setting(NAMESPACE_KEY, f"lp-{uuid.uuid4().hex[:10]}")
        self.since = asyncio.run(self._call(_server_time))

    def cli(self, *args: str) -> tuple[int, str]:
        result = CliRunner().invoke(
            app, [*args, "--server", self.server, "--ledger", self.ledger_url]
        )
        return result.exit_code, result.stdout + result.stderr

    def local(self, *args: str) -> tuple[int, str]:
        """A command that reads only the ledger (no --server): case, conflicts."""
        result = CliRunner().invoke(app, [*args, "--ledger", self.ledger_url])
        return result.exit_code, result.stdout + result.stderr

    def push(self, document: dict[str, Any] | None = None) -> tuple[int, str]:
        """Write ``document`` (default: the case as edited) to the file and push it."""
        self.file.write_text(json.dumps(document if document is not None else self.case))
        return self.cli("push", str(self.file))

    def sync_stored(self) -> int:
        """What the service's ``POST /sync`` does: push the stored case from the case store
        (not the file); the number of cases that failed."""
        stored = self.stored()
        with Ledger.open(self.ledger_url) as ledger:
            namespace = ledger.get_setting(NAMESPACE_KEY)

            async def push(client: Any) -> Any:
                item = CaseInput(self.case["id"], stored, "api", from_store=True)
                return await push_cases([item], client=client, ledger=ledger, namespace=namespace)

            report = asyncio.run(self._call(push))
        return sum(1 for case in report.cases if case.status == "failed")

    def pull(self, *extra: str) -> tuple[int, str]:
        return self.cli("pull", "--since", self.since, *extra)

    def record(self, record_id: str, case: dict[str, Any] | None = None) -> dict[str, Any]:
        """A task or goal of ``case`` (default: the file's case)."""
        case = case if case is not None else self.case
        records = [*case["tasks"], *case["plan"]["goals"]]
        return next(r for r in records if r["id"] == record_id)

    def stored(self) -> dict[str, Any]:
        """The case as the case store holds it."""
        with Ledger.open(self.ledger_url) as ledger:
            found = ledger.get_case(self.case["id"])
        assert found is not None
        assert found.document is not None
        return found.document

    def resource_id(self, record_id: str) -> tuple[str, str]:
        """(type, id) of the resource ``record_id`` maps to, under the ledger's namespace."""
        with Ledger.open(self.ledger_url) as ledger:
            namespace = ledger.get_setting(NAMESPACE_KEY)
        value = f"{self.case['id']}/{record_id}"
        found = next(
            r
            for r in case_to_resources(parse_case(self.case), namespace=namespace)
            if any(i["value"] == value for i in r.get("identifier", []))
        )
        return str(found["resourceType"]), str(found["id"])

    def read_all(self) -> list[dict[str, Any]]:
        """Every resource of the case as the server holds it now."""
        with Ledger.open(self.ledger_url) as ledger:
            namespace = ledger.get_setting(NAMESPACE_KEY)
        keys = [
            (r["resourceType"], r["id"])
            for r in case_to_resources(parse_case(self.case), namespace=namespace)
        ]

        async def read(client: Any) -> list[dict[str, Any]]:
            return [dict(await client.read(*key)) for key in keys]

        return list(asyncio.run(self._call(read)))

    def read(self, record_id: str) -> dict[str, Any]:
        kind, ident = self.resource_id(record_id)
        return dict(asyncio.run(self._call(lambda client: client.read(kind, ident))))

    def provider_sets(self, record_id: str, **elements: Any) -> None:
        """The provider's PUT: the server's current version with ``elements`` replaced."""
        kind, ident = self.resource_id(record_id)

        async def put(client: Any) -> None:
            current = await client.read(kind, ident)
            await client.update({**current, **elements})

        asyncio.run(self._call(put))

    async def _call(self, call: Any) -> Any:
        async with open_client(load_settings(fhir_base_url=self.server)) as client:
            return await call(client)


async def _server_time(client: Any) -> str:
    page = await anext(client.history_pages(count=1, no_cache=True))
    stamp = history_time(page)
    assert stamp is not None
    return stamp.isoformat()


def restore_from_backup(server: str, backup: list[dict[str, Any]]) -> None:
    """What a server restored from a backup looks like: the resources of ``backup`` deleted,
    expunged (HAPI's ``$expunge``: no version of them is left) and written again as they were
    in the backup, so they start again at version 1 below what the ledger holds."""
    urls = [f"{r['resourceType']}/{r['id']}" for r in backup]
    expunge = {
        "resourceType": "Parameters",
        "parameter": [
            {"name": "expungeDeletedResources", "valueBoolean": True},
            {"name": "expungePreviousVersions", "valueBoolean": True},
        ],
    }
    with httpx.Client(base_url=server, timeout=60) as http:
        # One transaction: HAPI checks references (a CarePlan <-> its Tasks) only at its end.
        deletes = [{"request": {"method": "DELETE", "url": url}} for url in urls]
        _ok(http.post("", json={"resourceType": "Bundle", "type": "transaction", "entry": deletes}))
        for url in urls:
            _ok(http.post(f"{url}/$expunge", json=expunge))
        puts = [
            {"resource": _without_meta(r), "request": {"method": "PUT", "url": url}}
            for r, url in zip(backup, urls, strict=True)
        ]
        _ok(http.post("", json={"resourceType": "Bundle", "type": "transaction", "entry": puts}))


def _without_meta(resource: dict[str, Any]) -> dict[str, Any]:
    meta = {k: v for k, v in resource.get("meta", {}).items() if k in ("profile", "tag")}
    return {**resource, "meta": meta}


def _ok(answer: httpx.Response) -> None:
    assert answer.status_code == 200, answer.text[:500]
