"""The paired latency tiers: W1 of the adapter, B0 and B1 run back to back in pairs (order
rotated), each on a reset server, at each added round-trip time (Toxiproxy), plus W2 after the
adapter's W1 for requests per changed case.

At 0 ms a fourth member, the adapter straight to the server, measures the proxy's own cost.
With ``--baseline-tree`` the adapter of an earlier commit is one more member (``adapter base``),
so before and after meet the same machine in every pair.
After W1 each adapter runs W3 (no change) and then W2 (1 % changed) on the same ledger. W2's
requests per changed case are counted beyond those of the W3 just before it (the run's fixed
cost: the read of the server's marker); the raw count (every request of W2 ÷ changed cases) is
reported next to it.
Goals (issue 19): at 20 and 50 ms R4 >= 5 and R1 >= 0.9; W2 requests per changed case <= 1.2
at every tier; client CPU of W1 <= 0.2 s per 1,000 resources (CPU time: the one measure a
shared machine does not distort much); each judged on the lower (upper) bound of a bootstrap
95 % interval of the paired values.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.latency import LatencyProxy
from bench.paired import PairedGoal, bootstrap_median, pair_orders, paired_ratios
from bench.suite import Suite

__all__ = ["TierPlan", "judge_tier", "run_tier"]

ADAPTER, B0, B1, DIRECT, BASE = "adapter", "B0", "B1", "adapter direct", "adapter base"
#: The adapters whose W3 and W2 run after their W1, and the name of those runs.
CHAINS = {ADAPTER: "W2 adapter", BASE: "W2 adapter base"}
#: RTTs at which R4 and R1 are goals (the issue's network tiers).
NETWORK_GOAL_RTTS = frozenset({20, 50})


@dataclass(frozen=True)
class TierPlan:
    rtt_ms: int
    pairs: int
    naive: bool
    baseline: bool = False

    def members(self) -> list[str]:
        found = [ADAPTER, B0] + ([B1] if self.naive else []) + ([BASE] if self.baseline else [])
        return found + ([DIRECT] if self.rtt_ms == 0 else [])


def run_tier(
    suite: Suite, proxy: LatencyProxy, plan: TierPlan, say: Callable[[str], None]
) -> dict[str, Any]:
    """Every pair of one tier; the raw runs by member and the judged goals."""
    proxy.set_rtt(plan.rtt_ms)
    direct, via_proxy = suite.o.server, proxy.url_for(suite.o.server)
    original, changed = str(suite.data.original), str(suite.data.changed)
    runs: dict[str, list[dict[str, Any]]] = {m: [] for m in plan.members()}
    runs |= {CHAINS[m]: [] for m in plan.members() if m in CHAINS}
    for index, order in enumerate(pair_orders(plan.pairs, plan.members())):
        say(f"rtt {plan.rtt_ms} ms, pair {index + 1}/{plan.pairs}: {' then '.join(order)}")
        for member in order:
            suite.hapi.reset()
            tag = f"rtt{plan.rtt_ms}-{index}-{member.replace(' ', '-')}"
            server = direct if member == DIRECT else via_proxy
            if member in (ADAPTER, DIRECT, BASE):
                tree = suite.o.baseline_tree if member == BASE else None
                push = {"kind": "adapter-push", "ledger": suite.fresh_ledger(tag)}
                push["server"] = server
                runs[member].append(_push(suite, f"{tag} W1", {**push, "cases": original}, tree))
                if member in CHAINS:
                    w3 = _push(suite, f"{tag} W3", {**push, "cases": original}, tree)
                    w2 = _push(suite, f"{tag} W2", {**push, "cases": changed}, tree)
                    changes = {"changed_cases": len(suite.data.changed_ids)}
                    runs[CHAINS[member]].append({**w2, **changes, "fixed_requests": w3["requests"]})
            elif member == B0:
                b0 = {"kind": "b0-post", "cases": original, "server": server}
                runs[member].append(suite.worker(f"{tag} W1", b0))
            else:
                b1 = {"kind": "b1-fhirpy", "cases": original, "server": server}
                runs[member].append(suite.worker(f"{tag} W1", b1))
        say(_pair_line(runs, index))
    return {
        "rtt_ms": plan.rtt_ms,
        "pairs": plan.pairs,
        "runs": runs,
        "goals": [g.as_dict() for g in judge_tier(plan.rtt_ms, runs)],
    }


def _push(suite: Suite, name: str, spec: dict[str, Any], tree: Path | None) -> dict[str, Any]:
    return suite.worker(name, spec) if tree is None else suite.worker(name, spec, tree)


def _walls(runs: Sequence[dict[str, Any]]) -> list[float]:
    return [float(r["wall_s"]) for r in runs]


def _pair_line(runs: dict[str, list[dict[str, Any]]], index: int) -> str:
    chains = set(CHAINS.values())
    walls = {m: r[index]["wall_s"] for m, r in runs.items() if len(r) > index and m not in chains}
    return "  " + ", ".join(f"{m} {w:.1f} s" for m, w in walls.items())


def judge_tier(rtt_ms: int, runs: dict[str, list[dict[str, Any]]]) -> list[PairedGoal]:
    """The tier's goals from its raw runs (pure; the tests feed it fixed runs). Throughput
    ratios are wall-time ratios inside each pair: every member handled the same resources."""
    adapter = _walls(runs.get(ADAPTER, []))
    found: list[PairedGoal] = []
    network = rtt_ms in NETWORK_GOAL_RTTS
    if runs.get(B0):
        r1 = bootstrap_median(paired_ratios(_walls(runs[B0]), adapter))
        found.append(PairedGoal(f"R1 adapter / B0 throughput, W1, {rtt_ms} ms", r1, 0.9, True))
    if runs.get(B1):
        r4 = bootstrap_median(paired_ratios(_walls(runs[B1]), adapter))
        name = f"R4 adapter / B1 throughput, W1, {rtt_ms} ms"
        found.append(PairedGoal(name if network else f"{name} (no goal at 0 ms)", r4, 5, True))
    for member, chain in CHAINS.items():
        suffix = "" if member == ADAPTER else f" ({member})"
        if runs.get(chain):
            name = f"W2 requests per changed case{suffix}, {rtt_ms} ms"
            found.append(PairedGoal(name, bootstrap_median(_per_changed(runs[chain])), 1.2, False))
            raw = _per_changed(runs[chain], fixed=False)
            name = f"W2 requests per changed case, all requests{suffix}, {rtt_ms} ms (no goal)"
            found.append(PairedGoal(name, bootstrap_median(raw), 1.2, False, judged=False))
        if runs.get(member):
            name = f"client CPU s per 1k resources, W1{suffix}, {rtt_ms} ms"
            found.append(PairedGoal(name, bootstrap_median(_cpu(runs[member])), 0.2, False))
    if runs.get(BASE) and runs.get(ADAPTER):
        cpu = bootstrap_median(paired_ratios(_cpu(runs[ADAPTER]), _cpu(runs[BASE])))
        name = f"client CPU W1, adapter / adapter base, {rtt_ms} ms (no goal)"
        found.append(PairedGoal(name, cpu, 1.0, False, judged=False))
    if runs.get(DIRECT):
        overhead = bootstrap_median(paired_ratios(adapter, _walls(runs[DIRECT])))
        name = "proxy overhead: adapter W1 via Toxiproxy at 0 ms / direct"
        found.append(PairedGoal(name, overhead, 1.1, False))
    return found


def _per_changed(runs: Sequence[dict[str, Any]], *, fixed: bool = True) -> list[float]:
    """Requests per changed case of each W2 run, beyond the W3 before it unless not ``fixed``."""
    return [
        (r["requests"] - (r.get("fixed_requests", 0) if fixed else 0)) / r["changed_cases"]
        for r in runs
        if r["changed_cases"]
    ]


def _cpu(runs: Sequence[dict[str, Any]]) -> list[float]:
    """Client CPU seconds per 1,000 resources of each run."""
    return [r["cpu_s"] * 1000 / r["resources"] for r in runs if r.get("resources")]
