"""/health: liveness and whether the ledger answers; no authentication."""

from __future__ import annotations

from adapter.errors import LedgerError


async def test_health_reports_ledger_ok(anonymous):
    response = await anonymous.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "ledger": "ok"}


async def test_health_is_503_when_the_ledger_fails(app, client, monkeypatch):
    def broken(*args, **kwargs):
        raise LedgerError("database is locked", url="sqlite:///x", operation="runs")

    monkeypatch.setattr(app.state.adapter.ledger, "runs", broken)
    response = await client.get("/health")
    assert response.status_code == 503
    assert response.json() == {"status": "degraded", "ledger": "unavailable"}


async def test_live_answers_without_a_token_and_touches_nothing(anonymous):
    response = await anonymous.get("/health/live")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_ready_is_503_while_the_fhir_server_does_not_answer(anonymous):
    # The unit settings point at port 9 on loopback: nothing listens there.
    response = await anonymous.get("/health/ready")
    assert response.status_code == 503
    assert response.json() == {"status": "degraded", "ledger": "ok", "fhir_server": "unavailable"}
