"""The paired latency tiers: W1 of the adapter, B0 and B1 run back to back in pairs (order
rotated), each on a reset server, at each added round-trip time (Toxiproxy), plus W2 after the
adapter's W1 for requests per changed case.

At 0 ms a fourth member, the adapter straight to the server, measures the proxy's own cost.
W2's requests are counted beyond those of a no-op W3 run just before it (the run's fixed cost:
the check of the server's marker), which the tier reports too.
Goals (issue 19): at 20 and 50 ms R4 >= 5 and R1 >= 0.9; W2 requests per changed case <= 1.2
at every tier; each judged on the lower (upper) bound of a bootstrap 95 % interval of the
paired ratios.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bench.latency import LatencyProxy
from bench.paired import PairedGoal, bootstrap_median, pair_orders, paired_ratios
from bench.suite import Suite

__all__ = ["TierPlan", "judge_tier", "run_tier"]

ADAPTER, B0, B1, DIRECT = "adapter", "B0", "B1", "adapter direct"
#: RTTs at which R4 and R1 are goals (the issue's network tiers).
NETWORK_GOAL_RTTS = frozenset({20, 50})


@dataclass(frozen=True)
class TierPlan:
    rtt_ms: int
    pairs: int
    naive: bool

    def members(self) -> list[str]:
        found = [ADAPTER, B0] + ([B1] if self.naive else [])
        return found + ([DIRECT] if self.rtt_ms == 0 else [])


def run_tier(
    suite: Suite, proxy: LatencyProxy, plan: TierPlan, say: Callable[[str], None]
) -> dict[str, Any]:
    """Every pair of one tier; the raw runs by member and the judged goals."""
    proxy.set_rtt(plan.rtt_ms)
    direct, via_proxy = suite.o.server, proxy.url_for(suite.o.server)
    original, changed = str(suite.data.original), str(suite.data.changed)
    runs: dict[str, list[dict[str, Any]]] = {m: [] for m in plan.members()}
    runs["W2 adapter"] = []
    for index, order in enumerate(pair_orders(plan.pairs, plan.members())):
        say(f"rtt {plan.rtt_ms} ms, pair {index + 1}/{plan.pairs}: {' then '.join(order)}")
        for member in order:
            suite.hapi.reset()
            tag = f"rtt{plan.rtt_ms}-{index}-{member.replace(' ', '-')}"
            server = direct if member == DIRECT else via_proxy
            if member in (ADAPTER, DIRECT):
                push = {"kind": "adapter-push", "ledger": suite.fresh_ledger(tag)}
                push["server"] = server
                w1 = suite.worker(f"{tag} W1", {**push, "cases": original})
                runs[member].append(w1)
                if member == ADAPTER:
                    w2 = suite.worker(f"{tag} W2", {**push, "cases": changed})
                    runs["W2 adapter"].append({**w2, "changed_cases": len(suite.data.changed_ids)})
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


def _walls(runs: Sequence[dict[str, Any]]) -> list[float]:
    return [float(r["wall_s"]) for r in runs]


def _pair_line(runs: dict[str, list[dict[str, Any]]], index: int) -> str:
    walls = {m: r[index]["wall_s"] for m, r in runs.items() if len(r) > index and m != "W2 adapter"}
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
    if runs.get("W2 adapter"):
        per_case = [
            (r["requests"] - r.get("fixed_requests", 0)) / r["changed_cases"]
            for r in runs["W2 adapter"]
            if r["changed_cases"]
        ]
        name = f"W2 requests per changed case, {rtt_ms} ms"
        found.append(PairedGoal(name, bootstrap_median(per_case), 1.2, False))
    if runs.get(DIRECT):
        overhead = bootstrap_median(paired_ratios(adapter, _walls(runs[DIRECT])))
        name = "proxy overhead: adapter W1 via Toxiproxy at 0 ms / direct"
        found.append(PairedGoal(name, overhead, 1.1, False))
    return found
