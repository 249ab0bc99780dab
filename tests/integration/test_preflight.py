"""``adapter ping`` as a preflight against the real HAPI in both configurations: what it finds,
that it leaves nothing behind, that the profile is kept in the ledger and learned again when the
server's software changes, and that push and pull follow it unless a setting says otherwise."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import datetime
from typing import Any

import pytest
from typer.testing import CliRunner

from adapter.api import create_app
from adapter.canonical import NAMESPACE_TAG_SYSTEM
from adapter.cli import app
from adapter.fhir import open_client
from adapter.fhir.capabilities import CASE_RESOURCES
from adapter.fhir.server_profile import ServerProfile
from adapter.mappings.bundle import case_to_resources
from adapter.mappings.namespace import tag_token
from adapter.model.validation import parse_case
from adapter.settings import load_settings
from adapter.sync.ledger import Ledger
from adapter.sync.pull.changes import history_time
from adapter.sync.server_profile import PROFILE_KEY_PREFIX, settings_with_profile, stored_profile
from tests.support.api import TOKEN, serve
from tests.support.casefiles import with_many_tasks

pytestmark = pytest.mark.integration

CAP_TEXT = "more update operations than allowed"
HAPI = ("HAPI FHIR Server", "8.8.0", "4.0.1")


def ping(server: str, ledger_url: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["ping", "--server", server, "--ledger", ledger_url, *args])
    return result.exit_code, result.stdout + result.stderr


def learned(server: str, ledger_url: str) -> dict[str, Any]:
    code, out = ping(server, ledger_url, "--json")
    assert code == 0, out
    profile: dict[str, Any] = json.loads(out)["profile"]
    with Ledger.open(ledger_url) as ledger:
        kept = stored_profile(ledger, server)
    assert kept is not None
    # What was shown is what was kept, and the types a push leaves out here, derived from it.
    shown = {**profile, "choices": dict(profile["choices"])}
    assert isinstance(shown["choices"].pop("left_out"), dict)
    assert kept.to_dict() == shown
    assert kept.software == HAPI
    return shown


async def probes_left(server: str, namespace: str, since: str) -> tuple[int, int]:
    """(probe resources created under ``namespace`` since ``since``, of those still there)."""
    async with open_client(load_settings(fhir_base_url=server)) as client:
        created = {
            entry["resource"]["id"]
            async for entry in client.history("Basic", since=since, count=500)
            if NAMESPACE_TAG_SYSTEM in json.dumps((entry.get("resource") or {}).get("meta"))
            and namespace in json.dumps(entry["resource"]["meta"])
        }
        params = {"_tag": tag_token(namespace)}
        left = [r async for r in client.search("Basic", params, no_cache=True)]
    return len(created), len(left)


async def server_time(server: str) -> str:
    async with open_client(load_settings(fhir_base_url=server)) as client:
        stamp = history_time(await anext(client.history_pages("Basic", count=1, no_cache=True)))
    assert isinstance(stamp, datetime)
    return stamp.isoformat()


def test_the_default_hapi_does_everything(fhir_base_url, tmp_path, monkeypatch):
    namespace = f"pf-{uuid.uuid4().hex[:10]}"
    monkeypatch.setenv("ADAPTER_NAMESPACE", namespace)
    since = asyncio.run(server_time(fhir_base_url))
    profile = learned(fhir_base_url, f"sqlite:///{tmp_path / 'l.sqlite'}")
    found = {k: profile[k] for k in ("transaction", "batch", "atomic", "history_system")}
    assert found == {"transaction": True, "batch": True, "atomic": True, "history_system": True}
    yes = ("history_type", "identifier_search", "validate", "conditional_create")
    assert [profile[k] for k in (*yes, "conditional_update")] == [True] * 5
    assert (profile["client_ids"], profile["write"]) == (True, "allowed")
    assert (profile["max_transaction_entries"], profile["largest_probed"]) == (None, 500)
    assert profile["choices"] == {
        "pull_strategy": "system-history",
        "max_transaction_entries": None,
        "id_strategy": "client",
    }
    assert profile["identifier_search_types"] == dict.fromkeys(CASE_RESOURCES, True)
    assert profile["declared"]["history-system"]
    assert profile["declared"]["Task.identifier"]
    assert "HAPI-0989" in profile["details"]["atomic"]  # the second entry's version conflict
    created, left = asyncio.run(probes_left(fhir_base_url, namespace, since))
    assert created >= 10 + 50 + 100 + 500  # the size probes alone
    assert left == 0


def capped_at_seven(server: str, **found: Any) -> ServerProfile:
    """A profile as if learned from the local HAPI's software long ago, with a cap of 7."""
    name, version, fhir = HAPI
    return ServerProfile(
        server=server, fhir_version=fhir, software_name=name, software_version=version,
        learned_at="2026-01-01T00:00:00+00:00", max_transaction_entries=7, largest_probed=7,
        **found,
    )  # fmt: skip


async def test_a_new_server_version_is_learned_again(fhir_base_url, tmp_path):
    ledger_url = f"sqlite:///{tmp_path / 'l.sqlite'}"
    old = capped_at_seven(fhir_base_url, identifier_search=True)
    settings = load_settings(fhir_base_url=fhir_base_url, ledger_url=ledger_url)
    with Ledger.open(ledger_url) as ledger:
        key = PROFILE_KEY_PREFIX + fhir_base_url
        ledger.set_setting(key, json.dumps(old.to_dict()))
        same = await settings_with_profile(settings, ledger, None)
        assert (same.fhir_max_transaction_entries, same.pull_strategy) == (7, "search")
        assert ledger.get_setting(key) == json.dumps(old.to_dict())  # same software: kept

        ledger.set_setting(key, json.dumps({**old.to_dict(), "software_version": "7.0.0"}))
        now = await settings_with_profile(settings, ledger, None)
        assert (now.fhir_max_transaction_entries, now.pull_strategy) == (None, "system-history")
        relearned = stored_profile(ledger, fhir_base_url)
    assert relearned is not None
    assert relearned.software == HAPI
    assert relearned.learned_at > old.learned_at


async def test_the_service_starts_with_the_stored_profile(fhir_base_url, tmp_path):
    ledger_url = f"sqlite:///{tmp_path / 'l.sqlite'}"
    kept = capped_at_seven(fhir_base_url, history_type=True)
    with Ledger.open(ledger_url) as ledger:
        ledger.set_setting(PROFILE_KEY_PREFIX + fhir_base_url, json.dumps(kept.to_dict()))
    settings = load_settings(fhir_base_url=fhir_base_url, ledger_url=ledger_url, api_token=TOKEN)
    app = create_app(settings)
    async for _ in serve(app):
        state = app.state.adapter
        assert state.fhir.max_transaction_entries == 7
        assert state.settings.pull_strategy == "type-history"


@pytest.mark.production
def test_the_production_like_hapi_is_told_apart(production_fhir_url, tmp_path, monkeypatch):
    namespace = f"pf-{uuid.uuid4().hex[:10]}"
    monkeypatch.setenv("ADAPTER_NAMESPACE", namespace)
    since = asyncio.run(server_time(production_fhir_url))
    profile = learned(production_fhir_url, f"sqlite:///{tmp_path / 'l.sqlite'}")
    assert (profile["client_ids"], profile["history_system"]) == (False, False)
    assert "client-assigned IDs are not enabled" in profile["details"]["client_ids"]
    assert (profile["max_transaction_entries"], profile["largest_probed"]) == (50, 50)
    assert CAP_TEXT in profile["details"]["max_transaction_entries"]
    assert [profile[k] for k in ("history_type", "atomic", "transaction")] == [True] * 3
    assert profile["write"] == "allowed"  # the probe resources were written
    assert profile["choices"] == {
        "pull_strategy": "type-history",
        "max_transaction_entries": 50,
        "id_strategy": "server",
    }
    assert profile["declared"]["history-system"] is False
    created, left = asyncio.run(probes_left(production_fhir_url, namespace, since))
    assert created >= 10 + 50
    assert left == 0


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout + result.stderr


@pytest.mark.production
def test_push_and_pull_follow_the_profile_unless_told_otherwise(
    production_fhir_url, tmp_path, monkeypatch
):
    ledger_url = f"sqlite:///{tmp_path / 'l.sqlite'}"
    where = ["--server", production_fhir_url, "--ledger", ledger_url]
    since = asyncio.run(server_time(production_fhir_url))
    assert ping(production_fhir_url, ledger_url)[0] == 0

    case = with_many_tasks("CM-2001", uuid.uuid4().hex[:10], tasks=23)  # over 50 resources
    (tmp_path / "case.json").write_text(json.dumps(case))
    monkeypatch.setenv("ADAPTER_FHIR_ID_STRATEGY", "client")  # an explicit setting wins
    code, out = cli("push", str(tmp_path / "case.json"), *where)
    assert code == 1, out  # PUT by our ids creates nothing here
    with Ledger.open(ledger_url) as ledger:
        said = [str(a.operation_outcome) for a in ledger.attempts_for_case(case["id"])]
    assert said
    assert all(CAP_TEXT not in text for text in said)  # split at the learned cap
    assert any("HAPI-0959" in text for text in said)

    monkeypatch.delenv("ADAPTER_FHIR_ID_STRATEGY")  # the profile's choice: the server's ids
    code, out = cli("push", str(tmp_path / "case.json"), *where)
    assert code == 0, out
    with Ledger.open(ledger_url) as ledger:
        kept = ledger.server_ids(production_fhir_url)
    mapped = case_to_resources(parse_case(case))
    assert {(r["resourceType"], r["id"]) for r in mapped} <= set(kept)
    assert all(server_id != key[1] for key, server_id in kept.items())

    code, out = cli("pull", "--since", since, *where)
    assert code == 0, out
    assert "(read by type-history)" in out
    assert "not supported by the server" not in out  # system history is not even tried

    monkeypatch.setenv("ADAPTER_PULL_STRATEGY", "auto")  # an explicit setting wins
    code, out = cli("pull", "--since", since, *where)
    assert code == 0, out
    assert "not supported by the server: system-history: HTTP 405" in out
