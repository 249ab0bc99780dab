"""Pushing through OAuth2 to the bearer-protected HAPI: cases land with the right scopes; refused
credentials end the run at the first refused write with one line and no dead letters; `adapter
ping` says whether writes are accepted, and its probe stores nothing."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from adapter.cli import app
from adapter.errors import AccessDenied, ResourceGone, ResourceNotFound
from adapter.fhir import open_client
from adapter.fhir.write_probe import probe_write
from adapter.settings import load_settings
from adapter.sync.ledger import Ledger
from adapter.sync.push.run import CaseInput, push_cases
from tests.integration.keycloak_support import READ_ONLY, READ_WRITE, SECRET_CLIENT, token_url
from tests.integration.push_support import (
    CountingTransport,
    expected_counts,
    fresh_cases,
    server_counts,
    write_cases,
)

pytestmark = [pytest.mark.integration, pytest.mark.auth]


@pytest.fixture
def env(secure_fhir_url, keycloak_realm_url, tmp_path, monkeypatch) -> dict[str, str]:
    """A private ledger and namespace, and client-credentials settings for the secured HAPI."""
    client_id, secret = SECRET_CLIENT
    values = {
        "ADAPTER_FHIR_BASE_URL": secure_fhir_url,
        "ADAPTER_LEDGER_URL": f"sqlite:///{tmp_path / 'ledger.sqlite'}",
        "ADAPTER_NAMESPACE": f"it-{uuid.uuid4().hex[:12]}",
        "ADAPTER_FHIR_AUTH__KIND": "client_credentials",
        "ADAPTER_FHIR_AUTH__TOKEN_URL": token_url(keycloak_realm_url),
        "ADAPTER_FHIR_AUTH__CLIENT_ID": client_id,
        "ADAPTER_FHIR_AUTH__CLIENT_SECRET": secret,
        "ADAPTER_FHIR_AUTH__SCOPE": READ_WRITE,
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_push_through_client_credentials_lands_every_resource(env, tmp_path):
    cases = fresh_cases(2)
    code, out, err = run("push", str(write_cases(tmp_path / "cases", cases)))
    assert code == 0, out + err
    assert "2 written" in out
    namespace = env["ADAPTER_NAMESPACE"]

    async def on_server() -> Counter[str]:
        async with open_client(load_settings()) as fhir:
            return await server_counts(fhir, cases, namespace)

    assert asyncio.run(on_server()) == expected_counts(cases, namespace)


def test_read_only_scope_stops_the_push_at_the_first_write(env, tmp_path, monkeypatch):
    monkeypatch.setenv("ADAPTER_FHIR_AUTH__SCOPE", READ_ONLY)
    folder = write_cases(tmp_path / "cases", fresh_cases(6))
    code, out, err = run("push", str(folder), "--concurrency", "1")
    assert code == 3, out + err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "run stopped at the first refused write" in lines[0]
    assert "HTTP 403 HAPI-0333" in lines[0]
    assert env["ADAPTER_FHIR_BASE_URL"] in lines[0]
    assert "client_credentials as client 'cm-adapter' with scope 'system/*.read'" in lines[0]
    assert env["ADAPTER_FHIR_AUTH__CLIENT_SECRET"] not in out + err
    code, out, _ = run("dlq", "list")
    assert (code, out.splitlines()[0]) == (0, "0 dead letter(s) open")


async def test_401_on_writes_ends_the_run_after_the_first_case(secure_fhir_url, tmp_path):
    # /metadata is public, so the check before the run passes; every write then gets 401.
    settings = load_settings(
        fhir_base_url=secure_fhir_url, fhir_auth={"kind": "bearer", "token": "revoked"}
    )
    inputs = [CaseInput(case["id"], case, "test") for case in fresh_cases(5)]
    transport = CountingTransport()
    with Ledger.open(f"sqlite:///{tmp_path / 'ledger.sqlite'}") as ledger:
        async with open_client(settings, transport=transport) as fhir:
            with pytest.raises(AccessDenied) as refused:
                await push_cases(inputs, client=fhir, ledger=ledger, concurrency=1)
        assert ledger.dead_letters(None, open_only=False) == []
        [run_row] = ledger.runs()
    assert refused.value.status == 401
    # The first request (the read of the installation's marker) is refused, and nothing more
    # is sent: no transaction, no dead letter.
    assert len(transport.requests) == 1
    assert transport.requests[0].startswith("GET /fhir/Basic/")
    assert str(run_row.status) == "failed"


def test_ping_says_whether_writes_are_accepted(env, monkeypatch):
    code, out, err = run("ping")
    assert code == 0, out + err
    assert "write with client_credentials as client 'cm-adapter'" in out
    assert "allowed" in out
    monkeypatch.setenv("ADAPTER_FHIR_AUTH__SCOPE", READ_ONLY)
    code, out, err = run("ping", "--json")
    assert code == 0, out + err
    assert '"verdict": "refused"' in out
    assert '"status": 403' in out


async def test_write_probe_leaves_nothing_behind(fhir_base_url):
    probe_id = f"cm-write-probe-{uuid.uuid4().hex[:20]}"
    async with open_client(load_settings(fhir_base_url=fhir_base_url)) as fhir:
        found = await probe_write(fhir, task_id=probe_id)
        assert (found.verdict, found.status, found.server_code) == ("allowed", 400, "HAPI-0535")
        # 404, not 410: no version of it was ever stored, not even a deleted one.
        with pytest.raises(ResourceNotFound) as unknown:
            await fhir.read("Task", probe_id)
        assert not isinstance(unknown.value, ResourceGone)
        with pytest.raises(ResourceNotFound):
            [entry async for entry in fhir.history("Task", probe_id)]


def test_ping_with_the_token_endpoint_down_names_it(env, monkeypatch):
    down = "http://127.0.0.1:9/realms/cm-fhir/protocol/openid-connect/token"
    monkeypatch.setenv("ADAPTER_FHIR_AUTH__TOKEN_URL", down)
    code, _out, err = run("ping")
    assert code == 3
    assert f"cannot reach the token endpoint {down}" in err
    assert "cannot reach a FHIR server" not in err
    code, _out, err = run("push", str(Path(__file__).parents[2] / "examples" / "cases"))
    assert code == 3
    assert f"cannot reach the token endpoint {down}" in err
