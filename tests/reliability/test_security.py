"""Security promises: the service refuses callers without its token, logs and CLI output never
carry patient data or secrets (even while faults and bad records make the adapter talk a lot),
and plain HTTP to anything but loopback is refused unless explicitly allowed."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapter.api import create_app
from adapter.cli.sync_session import EXIT_UNREACHABLE
from adapter.errors import AdapterError, ConfigError
from adapter.fhir import RetryPolicy, open_client
from adapter.settings import load_settings
from tests.reliability.cli_support import CliRunnerFor, Installation, installation, write_cases
from tests.reliability.faultproxy import FaultProxy
from tests.reliability.faults import FaultRates
from tests.reliability.malformed import example_cases, fresh
from tests.support.api import TOKEN, serve

SECRET = "s3cr3t-" + uuid.uuid4().hex
FAULTS = FaultRates(rate_limit=0.1, unavailable=0.1, reset=0.05, drop=0.05)


# -- the service's token ---------------------------------------------------------------------


def _routes(app: Any) -> list[tuple[str, str]]:
    """Every (method, path) the service serves, from its own OpenAPI description."""
    found = [("GET", "/openapi.json")]
    for path, operations in app.openapi()["paths"].items():
        concrete = path.replace("{", "X").replace("}", "")  # a placeholder value per parameter
        found += [
            (method.upper(), concrete) for method in operations if not path.startswith("/health")
        ]
    return found


async def test_every_route_but_health_refuses_a_caller_without_the_right_token(tmp_path: Path):
    app = create_app(
        load_settings(
            fhir_base_url="http://127.0.0.1:9/fhir",
            ledger_url=f"sqlite:///{tmp_path / 'l.sqlite'}",
            api_token=TOKEN,
        )
    )
    routes = _routes(app)
    assert len(routes) >= 8
    async for client in serve(app, token=None):
        for method, path in routes:
            for headers in ({}, {"Authorization": f"Bearer {SECRET}"}, {"Authorization": TOKEN}):
                answer = await client.request(method, path, headers=headers, json={})
                assert answer.status_code == 401, (method, path, headers, answer.text)
                assert SECRET not in answer.text
        assert (await client.get("/health")).status_code == 200


def push_past_the_probe(cli: CliRunnerFor, where: Installation, folder: Path) -> str:
    """``adapter push``, again while its one-shot reachability probe meets an injected fault
    (exit 3: nothing was sent)."""
    outputs = []
    for _ in range(10):
        code, output = cli(where, "push", str(folder))
        outputs.append(output)
        if code != EXIT_UNREACHABLE:
            return "\n".join(outputs)
    raise AssertionError(f"the probe never got through: {outputs}")


# -- patient data ----------------------------------------------------------------------------


def _marked(case: dict[str, Any], n: int) -> dict[str, Any]:
    """The case with distinctive identifying values (so that any leak is unambiguous)."""
    client = case["client"]
    client["name"] = {"family": f"Famzq{n}x", "given": [f"Givzq{n}x", f"Midzq{n}x"]}
    client["birth_date"] = f"19{30 + n}-0{1 + n % 9}-2{n % 9}"
    client["identifiers"] = [{"kind": "mrn", "value": f"MRNZQ-{n}7731"}]
    client["contact"] = {
        "phone": f"+1 555 01{n:02d} 77",
        "email": f"zq{n}.person@mail.example",
        "address": {"lines": [f"{n} Zqlane Road"], "city": f"Zqville{n}", "country": "US"},
    }
    for coverage in case.get("coverages") or []:
        coverage["member_id"] = f"MEMZQ-{n}4410"
    return case


def _patient_values(cases: list[dict[str, Any]]) -> set[str]:
    values: set[str] = set()
    for case in cases:
        client = case["client"]
        values |= {client["name"]["family"], *client["name"]["given"], client["birth_date"]}
        values |= {ident["value"] for ident in client["identifiers"]}
        contact = client["contact"]
        values |= {contact["phone"], contact["email"], contact["address"]["city"]}
        values |= set(contact["address"]["lines"])
        values |= {c["member_id"] for c in case.get("coverages") or [] if c.get("member_id")}
    return values


def _bad(case: dict[str, Any]) -> list[dict[str, Any]]:
    """Invalid versions whose bad values are patient data (an error must not quote them)."""
    dates, emails, long_name = (fresh(case, "LEAK") for _ in range(3))
    dates["client"]["birth_date"] = "1950-02-31"
    emails["client"]["contact"]["email"] = "zq.no-at-sign.mail.example"
    long_name["client"]["name"]["family"] = "Famzqlong" * 30
    return [dates, emails, long_name]


@pytest.mark.integration
def test_logs_and_cli_output_of_a_faulty_push_carry_no_patient_data(
    fhir_base_url: str,
    tmp_path: Path,
    cli: CliRunnerFor,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
):
    cases = [_marked(fresh(case, "PHI"), n) for n, case in enumerate(example_cases()[:6])]
    bad = _bad(cases[0])
    caplog.set_level(logging.DEBUG, logger="adapter")
    monkeypatch.setenv("ADAPTER_LOG_LEVEL", "DEBUG")  # the CLI sets the level it is told
    with FaultProxy(fhir_base_url, FAULTS.plan(seed=3)) as proxy:
        where = installation(proxy.url, tmp_path, "phi")
        folder = write_cases(tmp_path / "cases", [*cases, *bad])
        outputs = [push_past_the_probe(cli, where, folder) for _ in range(3)]
        outputs += [cli(where, *args)[1] for args in (["status"], ["dlq", "list"])]
        faults = proxy.snapshot()
    text = "\n".join([*outputs, *(r.getMessage() for r in caplog.records)])
    leaked = sorted(value for value in _patient_values([*cases, *bad]) if value in text)
    assert leaked == [], leaked
    assert len(caplog.records) > len(cases)  # the adapter did log (per case, per retry)
    assert faults["requests"] > faults.get("pass", 0)  # and the faults did happen
    assert "[invalid-input]" in outputs[0], outputs[0]


# -- secrets ---------------------------------------------------------------------------------


@pytest.mark.integration
def test_a_bearer_token_never_reaches_logs_or_output_even_through_faults(
    fhir_base_url: str,
    tmp_path: Path,
    cli: CliRunnerFor,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setenv("ADAPTER_FHIR_AUTH__KIND", "bearer")
    monkeypatch.setenv("ADAPTER_FHIR_AUTH__TOKEN", SECRET)
    caplog.set_level(logging.DEBUG)  # every logger, httpx and httpcore included
    cases = [fresh(case, "SEC") for case in example_cases()[:3]]
    folder = write_cases(tmp_path / "cases", cases)
    with FaultProxy(fhir_base_url, FAULTS.plan(seed=5)) as proxy:
        where = installation(proxy.url, tmp_path, "secret")
        outputs = [push_past_the_probe(cli, where, folder) for _ in range(2)]
    unreachable = installation("http://127.0.0.1:9/fhir", tmp_path, "secret")
    code, refused = cli(unreachable, "push", str(folder))
    assert code == 3, refused
    text = "\n".join([*outputs, refused, *(r.getMessage() for r in caplog.records)])
    assert SECRET not in text
    assert any(r.name.startswith("httpx") for r in caplog.records)  # really captured


def _echoing_token_endpoint(request: httpx.Request) -> httpx.Response:
    # A hostile or careless server quoting the request (Basic credentials included) in its error.
    body = {"error": "invalid_client", "error_description": f"rejected {dict(request.headers)}"}
    return httpx.Response(401, json=body)


async def test_a_client_secret_stays_out_of_errors_reprs_and_logs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG)
    settings = load_settings(
        fhir_base_url="https://fhir.test/r4",
        ledger_url=f"sqlite:///{tmp_path / 'l.sqlite'}",
        fhir_auth={"kind": "client_credentials", "token_url": "https://fhir.test/token",
                   "client_id": "adapter", "client_secret": SECRET},
    )  # fmt: skip
    transport = httpx.MockTransport(_echoing_token_endpoint)
    policy = RetryPolicy(max_attempts=2, sleep=False)
    async with open_client(settings, transport=transport, policy=policy) as client:
        with pytest.raises(AdapterError) as caught:
            await client.read("Patient", "p1")
    shown = [str(caught.value), repr(caught.value), *getattr(caught.value, "__notes__", [])]
    shown += [repr(settings), str(settings), settings.model_dump_json()]
    shown += [r.getMessage() for r in caplog.records]
    assert not [text for text in shown if SECRET in text]


def test_invalid_settings_never_quote_a_secret():
    with pytest.raises(ConfigError) as caught:
        load_settings(fhir_auth={"kind": "client_credentials", "client_secret": SECRET})
    assert SECRET not in str(caught.value)
    with pytest.raises(ConfigError) as caught:
        load_settings(fhir_auth={"kind": "bearer", "token": SECRET, "algorithm": SECRET})
    assert SECRET not in str(caught.value)


# -- plain HTTP ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["http://fhir.example.org/r4", "http://10.0.0.5:8080/fhir", "http://localhost.evil.test/fhir",
     "http://127.0.0.1.nip.io/fhir", "http://[2001:db8::1]/fhir"],
)  # fmt: skip
def test_plain_http_to_a_remote_server_is_refused_unless_explicitly_allowed(
    url: str, tmp_path: Path, cli: CliRunnerFor
):
    with pytest.raises(ConfigError, match="plain http"):
        load_settings(fhir_base_url=url)
    code, output = cli(installation(url, tmp_path, "http"), "push", str(tmp_path))
    assert code == 2
    assert "refusing plain http" in output
    assert load_settings(fhir_base_url=url, allow_insecure_http=True).fhir_base_url == url


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080/fhir", "http://localhost/fhir", "http://[::1]:8080/fhir",
            "https://fhir.example.org/r4"]
)  # fmt: skip
def test_https_and_loopback_http_are_accepted(url: str):
    assert load_settings(fhir_base_url=url).fhir_base_url == url
