"""The adapter under test, driven through its public functions: ``push_cases`` (W1-W3),
``pull_changes`` (W4) and ``run_import`` (``bench/import-bench``), on a client from
``open_client`` whose transport is timed."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from adapter.fhir import open_client
from adapter.politeness import politeness
from adapter.settings import Settings, load_settings
from adapter.sync.ledger import Ledger
from adapter.sync.pull.import_run import ImportRequest, run_import
from adapter.sync.pull.run import pull_changes
from adapter.sync.push.inputs import case_files, iter_inputs
from adapter.sync.push.outcomes import CaseOutcome
from adapter.sync.push.run import push_cases
from bench.timing import Recorder, TimedTransport, pooled_transport

__all__ = ["AdapterImport", "AdapterPull", "AdapterPush"]


def _settings(server: str, ledger: str) -> Settings:
    return load_settings(fhir_base_url=server, ledger_url=ledger)


def _transport(settings: Settings, recorder: Recorder) -> TimedTransport:
    return TimedTransport(pooled_transport(politeness(settings).max_concurrency), recorder)


class AdapterPush:
    """``adapter push`` of a directory of case files, minus the terminal output."""

    def __init__(self, server: str, ledger: str, cases: Path, concurrency: int | None) -> None:
        self.settings = _settings(server, ledger)
        self.concurrency = concurrency
        # Read as the push goes, like `adapter push DIR`: the files are part of the timed work,
        # and memory must not grow with the number of cases.
        self.cases = cases
        self.total = len(case_files(cases))
        self.ledger = Ledger.open(ledger)

    async def run(self, recorder: Recorder) -> dict[str, Any]:
        def done(_: CaseOutcome) -> None:
            recorder.case_done()

        async with open_client(
            self.settings, transport=_transport(self.settings, recorder)
        ) as client:
            report = await push_cases(
                iter_inputs(self.cases),
                client=client,
                ledger=self.ledger,
                concurrency=self.concurrency,
                namespace=self.settings.namespace,
                on_case=done,
                total=self.total,
            )
            sizes = client.window.history
        summary = report.summary()
        return {
            "cases": len(report.cases),
            "resources": summary["resources_written"],
            "window": {"final": sizes[-1], "max": max(sizes), "changes": len(sizes) - 1},
            **summary,
        }

    def close(self) -> None:
        self.ledger.close()


class AdapterPull:
    """``adapter pull --since`` into the ledger the pushes filled."""

    def __init__(self, server: str, ledger: str, since: datetime) -> None:
        self.settings = _settings(server, ledger)
        self.since = since
        self.ledger = Ledger.open(ledger)

    async def run(self, recorder: Recorder) -> dict[str, Any]:
        async with open_client(
            self.settings, transport=_transport(self.settings, recorder)
        ) as client:
            report = await pull_changes(
                client, self.ledger, since=self.since, namespace=self.settings.namespace
            )
        summary = report.summary()
        return {
            "cases": summary["cases_updated"],
            "resources": summary["changed_resources"],
            **summary,
        }

    def close(self) -> None:
        self.ledger.close()


class AdapterImport:
    """``adapter import --out DIR [--bulk]`` of everything on the server, minus the terminal
    output: every case record is written, none held."""

    def __init__(self, server: str, out: Path, bulk: bool) -> None:
        self.settings = load_settings(fhir_base_url=server)
        self.request = ImportRequest(out_dir=out, bulk=bulk)

    async def run(self, recorder: Recorder) -> dict[str, Any]:
        self.request.out_dir.mkdir(parents=True, exist_ok=True)
        async with open_client(
            self.settings, transport=_transport(self.settings, recorder)
        ) as client:
            summary, _ = await run_import(client, self.request)
        return {
            "cases": len(summary.imported),
            "patients": summary.patients,
            "failed": len(summary.failed),
            "not_valid_fhir": len(summary.refused),
            "warnings": summary.warnings,
        }
