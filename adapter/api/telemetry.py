"""Prometheus metrics of one app, and the middleware that counts requests and stops crashes.

Each app gets its own :class:`prometheus_client.CollectorRegistry`, so two apps in one process
(tests, or an embedding host) never share or collide on counters.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from adapter.api.errors import internal_error, route_template
from adapter.sync.ledger import LedgerCounts, Run

__all__ = ["Metrics", "ObserveRequests"]

log = logging.getLogger("adapter.api")


@dataclass(eq=False)
class Metrics:
    """The service's metrics, registered on a registry of their own."""

    registry: CollectorRegistry = field(
        default_factory=lambda: CollectorRegistry(auto_describe=True)
    )

    def __post_init__(self) -> None:
        r = self.registry
        self.requests = Counter(
            "adapter_http_requests",
            "HTTP requests answered, by route template, method and status.",
            ["route", "method", "status"],
            registry=r,
        )
        self.request_seconds = Histogram(
            "adapter_http_request_duration_seconds",
            "Time to answer an HTTP request, by route template.",
            ["route"],
            registry=r,
        )
        self.runs = Counter(
            "adapter_sync_runs",
            "Sync runs finished, by kind and final status.",
            ["kind", "status"],
            registry=r,
        )
        self.runs_active = Gauge(
            "adapter_sync_runs_active",
            "Sync runs this service is running now.",
            ["kind"],
            registry=r,
        )
        self.cases = Counter(
            "adapter_cases_synced",
            "Cases handled by sync runs, by kind and outcome (written, unchanged, failed).",
            ["kind", "outcome"],
            registry=r,
        )
        self.resources = Counter(
            "adapter_resources_synced",
            "Resources handled by finished runs, by outcome.",
            ["kind", "outcome"],
            registry=r,
        )
        self.dead_letters = Gauge(
            "adapter_dead_letters_open",
            "Open dead letters in the ledger, by reason.",
            ["reason"],
            registry=r,
        )
        self.conflicts = Gauge(
            "adapter_conflicts_open", "Open conflicts in the ledger.", registry=r
        )

    def run_finished(self, run: Run) -> None:
        """Count a run the ledger has closed, with its resource totals.

        Cases are counted as they finish (``case_done``), so a long run shows progress.
        """
        kind = str(run.kind)
        self.runs.labels(kind, str(run.status)).inc()
        self.resources.labels(kind, "written").inc(run.resources_written)
        self.resources.labels(kind, "unchanged").inc(run.resources_unchanged)

    def case_done(self, kind: str, outcome: str) -> None:
        self.cases.labels(kind, outcome).inc()

    def ledger_state(self, counts: LedgerCounts) -> None:
        """Set the gauges read from the ledger (called at scrape time)."""
        self.dead_letters.clear()
        for reason, number in counts.open_dead_letters_by_reason.items():
            self.dead_letters.labels(str(reason)).set(number)
        self.conflicts.set(counts.open_conflicts)


class ObserveRequests:
    """Pure ASGI middleware: counts every answer and turns a crash into a bare 500.

    It sits inside Starlette's error middleware, so an unexpected exception stops here: the
    log line names the exception class and the route template only (the message and the
    traceback may hold patient data), and the client gets a generic OperationOutcome.
    """

    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status: int | None = None

        async def observe(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, observe)
        except Exception as exc:
            if status is not None:
                # The answer is out (FastAPI's body limit signals its 413 this way): let the
                # outer layers that raised it deal with it.
                raise
            route = route_template(scope)
            log.error("unexpected %s on %s %s", type(exc).__name__, scope["method"], route)
            await internal_error()(scope, receive, observe)
        finally:
            route = route_template(scope)
            answered = str(status) if status is not None else "none"
            self.metrics.requests.labels(route, scope["method"], answered).inc()
            took = time.perf_counter() - started
            self.metrics.request_seconds.labels(route).observe(took)
            # The access log: route template, never the path's ids or the query string.
            log.info(
                "%s %s %s %.0f ms",
                scope["method"],
                route,
                answered,
                took * 1000,
                extra={"event": "request", "method": scope["method"], "route": route,
                       "status": answered, "ms": round(took * 1000)},
            )  # fmt: skip
