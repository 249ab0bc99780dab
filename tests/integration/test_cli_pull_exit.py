"""``adapter pull`` exit status and summary, and ``adapter status``'s watermark, against HAPI.

Each test reads only the history since its own start (``--since``), so the shared server's
other traffic stays out of the way.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from adapter.cli import app
from adapter.fhir import open_client
from adapter.mappings.bundle import case_to_resources
from adapter.model.validation import parse_case
from adapter.settings import load_settings
from adapter.sync.ledger import Ledger
from adapter.sync.namespace import NAMESPACE_KEY
from adapter.sync.pull.changes import history_time
from tests.support.casefiles import example_data

pytestmark = pytest.mark.integration


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


class Session:
    """One case file, one ledger, one server: the CLI as a case manager runs it."""

    def __init__(self, server: str, tmp_path: Path) -> None:
        self.server = server
        self.case = example_data("CM-2001")  # T-2 in progress, G-1 improving
        tag = uuid.uuid4().hex[:10]
        self.case["id"] = f"{self.case['id']}-{tag}"
        self.case["client"]["id"] = f"{self.case['client']['id']}-{tag}"
        self.file = tmp_path / "case.json"
        self.ledger = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
        self.since = asyncio.run(self._server_time())

    def cli(self, *args: str) -> tuple[int, str, str]:
        return run(*args, "--server", self.server, "--ledger", self.ledger)

    def push(self) -> None:
        self.file.write_text(json.dumps(self.case))
        code, out, err = self.cli("push", str(self.file))
        assert code == 0, out + err

    def pull(self) -> tuple[int, str, str]:
        return self.cli("pull", "--since", self.since)

    def record(self, record_id: str) -> dict[str, Any]:
        records = [*self.case["tasks"], *self.case["plan"]["goals"]]
        return next(r for r in records if r["id"] == record_id)

    def resource(self, record_id: str) -> dict[str, Any]:
        """Our resource of ``record_id`` as pushed (under the ledger's namespace)."""
        with Ledger.open(self.ledger) as opened:
            namespace = opened.get_setting(NAMESPACE_KEY)
        value = f"{self.case['id']}/{record_id}"
        return next(
            r
            for r in case_to_resources(parse_case(self.case), namespace=namespace)
            if any(i["value"] == value for i in r.get("identifier", []))
        )

    def on_server(self, call: Any) -> Any:
        async def go() -> Any:
            async with open_client(load_settings(fhir_base_url=self.server)) as client:
                return await call(client)

        return asyncio.run(go())

    async def _server_time(self) -> str:
        async with open_client(load_settings(fhir_base_url=self.server)) as client:
            page = await anext(client.history_pages(count=1, no_cache=True))
        stamp = history_time(page)
        assert stamp is not None
        return stamp.isoformat()


def last_line(out: str) -> str:
    return out.strip().splitlines()[-1]


def test_a_case_pushed_in_two_versions_pulls_back_without_conflicts(fhir_base_url, tmp_path):
    session = Session(fhir_base_url, tmp_path)
    session.push()
    session.record("T-2")["description"] = "Teach daily weights (revised)"
    session.record("G-1")["description"] = "Stay out of the ED for 120 days"
    session.push()

    code, out, err = session.pull()  # the history holds both versions of each changed resource

    assert code == 0, out + err
    assert "conflict" not in out.replace("0 conflicts", "")
    assert ", 0 conflicts, 0 warnings, 0 failed;" in last_line(out)
    code, out, _ = session.cli("status")
    assert code == 0
    assert "last pull read up to 20" in out
    assert "open conflicts: 0" in out


def test_pull_exits_0_on_warnings_only_and_1_on_a_conflict(fhir_base_url, tmp_path):
    session = Session(fhir_base_url, tmp_path)
    session.push()
    plan = session.resource("PLAN-2001")
    stranger = {
        "resourceType": "Task",
        "status": "requested",
        "intent": "order",
        "basedOn": [{"reference": f"CarePlan/{plan['id']}"}],
        "for": plan["subject"],
        "description": "made by another system",
    }
    session.on_server(lambda client: client.create(stranger))

    code, out, err = session.pull()

    assert code == 0, out + err  # a task new on the server: reported, not imported
    assert "warning Task/" in out
    assert ", 0 conflicts, 1 warnings, 0 failed;" in last_line(out)

    goal = session.resource("G-1")

    async def reword(client: Any) -> None:
        current = await client.read("Goal", goal["id"])
        await client.update({**current, "description": {"text": "reworded elsewhere"}})

    session.on_server(reword)

    code, out, _ = session.pull()

    assert code == 1
    assert f"conflict Goal/{goal['id']} (description)" in out
    assert ", 1 conflicts, 1 warnings, 0 failed;" in last_line(out)


def test_since_takes_a_plain_date_and_the_summary_names_the_namespace(fhir_base_url, tmp_path):
    session = Session(fhir_base_url, tmp_path)
    # Tomorrow (the server's date + 1): nothing to read, on a shared server too.
    tomorrow = (date.fromisoformat(session.since[:10]) + timedelta(days=1)).isoformat()
    code, out, err = session.cli("pull", "--since", tomorrow)
    assert code == 0, out + err
    assert "(run 1, namespace (none)) since " in last_line(out)
    code, out, err = session.cli("pull", "--since", f"{tomorrow}T10:00:00")
    assert code == 2  # a time without a zone is a usage error: which zone was meant?
    assert "Invalid value for" in " ".join((out + err).split())
