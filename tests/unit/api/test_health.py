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
