"""One workload in a process of its own, so CPU time and peak RSS belong to that workload.

``python -m bench.worker SPEC.json RESULT.json``: SPEC names the workload and its inputs;
everything it needs is loaded and prepared (files read, baseline bodies serialized) before the
clock starts. RESULT gets wall time, CPU seconds (``time.process_time``: every thread of the
process, so the ledger's worker threads count too), peak RSS, request and case latencies.
"""

from __future__ import annotations

import asyncio
import gc
import json
import resource
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from adapter.fhir import json_body
from adapter.mappings.bundle import case_to_resources
from bench.baselines import NaivePerResource, RawHistory, RawPost
from bench.clients import AdapterImport, AdapterPull, AdapterPush
from bench.dataset import changed_entries, read_cases, transaction_bytes
from bench.pull_workloads import NaiveReread, StoredPull
from bench.stats import percentile
from bench.timing import Recorder

__all__ = ["Workload", "build", "measure", "peak_rss_mb"]


class Workload(Protocol):
    async def run(self, recorder: Recorder) -> dict[str, Any]: ...


def build(spec: dict[str, Any]) -> Workload:
    """The workload object for ``spec["kind"]``, with all its inputs prepared."""
    kind, server = spec["kind"], spec["server"]
    if kind == "adapter-push":
        # An older tree's spec has no adapter_concurrency: the same as the others'.
        cases_in_flight = spec.get("adapter_concurrency", spec["concurrency"])
        return AdapterPush(server, spec["ledger"], Path(spec["cases"]), cases_in_flight)
    if kind == "adapter-pull":
        return AdapterPull(server, spec["ledger"], datetime.fromisoformat(spec["since"]))
    if kind == "adapter-pull-stored":
        return StoredPull(server, spec["ledger"], spec["namespace"], spec["strategy"])
    if kind == "naive-reread":
        return NaiveReread(server, spec["ledger"], spec["namespace"])
    if kind == "adapter-import":
        return AdapterImport(server, Path(spec["out"]), spec["bulk"])
    if kind == "b0-post":
        return RawPost(server, _bodies(spec), spec["concurrency"])
    if kind == "b0-history":
        return RawHistory(server, datetime.fromisoformat(spec["since"]))
    if kind == "b1-fhirpy":
        cases = [_plain(case_to_resources(case)) for case in read_cases(Path(spec["cases"]))]
        return NaivePerResource(server, cases, spec["concurrency"])
    raise ValueError(f"unknown workload kind {kind!r}")


def _plain(resources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The resources with JSON's own types only: fhirpy serializes with :mod:`json`, which
    refuses the :class:`~decimal.Decimal` values the mapping keeps for exact decimals."""
    loaded: list[dict[str, Any]] = json.loads(json_body.dumps(resources))
    return loaded


def _bodies(spec: dict[str, Any]) -> list[bytes]:
    """Full bundles of every case, or (with ``before``) bundles of only what changed."""
    after = {case.id: case_to_resources(case) for case in read_cases(Path(spec["cases"]))}
    if "before" not in spec:
        return [transaction_bytes(resources) for resources in after.values()]
    before = {case.id: case_to_resources(case) for case in read_cases(Path(spec["before"]))}
    bodies = []
    for case_id, resources in after.items():
        changed = changed_entries(before.get(case_id, []), resources)
        if changed:
            bodies.append(transaction_bytes(changed))
    return bodies


def measure(workload: Workload) -> dict[str, Any]:
    """Run ``workload`` once and time it."""
    recorder = Recorder()
    gc.collect()
    cpu, wall = time.process_time(), time.perf_counter()
    details = asyncio.run(workload.run(recorder))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    ms = [s * 1000 for s in recorder.request_seconds]
    case_ms = [s * 1000 for s in recorder.case_seconds]
    return {
        **details,
        "wall_s": wall,
        "cpu_s": cpu,
        "peak_rss_mb": peak_rss_mb(),
        "requests": recorder.requests,
        "request_p50_ms": percentile(ms, 0.5),
        "request_p95_ms": percentile(ms, 0.95),
        "case_p50_ms": percentile(case_ms, 0.5),
        "case_p95_ms": percentile(case_ms, 0.95),
    }


def peak_rss_mb() -> float:
    """This process's peak resident set size in MB: ``VmHWM`` of /proc/self/status on Linux.

    Not ``ru_maxrss``: Linux carries it over fork and exec, so a worker started by the harness
    reported at least the harness's own peak (363 MB at 10k cases, where the harness holds the
    generated data set) even for a workload of three GET requests. VmHWM belongs to the
    address space exec created. Elsewhere ``ru_maxrss`` is the fallback.
    """
    try:
        status = Path("/proc/self/status").read_text(encoding="ascii")
    except OSError:
        status = ""
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str]) -> int:
    spec = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    workload = build(spec)
    result = measure(workload)
    close = getattr(workload, "close", None)
    if close is not None:
        close()
    Path(argv[1]).write_text(json.dumps(result, indent=2, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
