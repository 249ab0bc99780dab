"""``push --dry-run``: what a push would write, per case and resource type, planned exactly as a
push plans it, with no request to the server and no write to the ledger.

The ledger is only read (the stored case, the last pushed snapshot, the known versions and
hashes, open disputes); without a ledger (none yet) every resource is new. What the server
holds is not asked: a resource the server changed since the last push shows as unchanged here
and would be merged by the real push, and a server that lost data would be repaired by it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from adapter.errors import AdapterError, InputError
from adapter.mappings.bundle import case_to_resources
from adapter.model.validation import parse_case
from adapter.sync.intake import check_incoming, stored_version
from adapter.sync.ledger import Ledger
from adapter.sync.ledger.records import Entry, ResourceKey
from adapter.sync.push.planner import plan_case
from adapter.sync.push.provenance import map_case, with_write_provenance
from adapter.sync.push.run import CaseInput
from adapter.sync.resources import key_of

__all__ = ["DryCase", "DryRun", "plan_dry_run"]


@dataclass(frozen=True)
class DryCase:
    """One case's plan: ``status`` is ``would-write``, ``unchanged`` or ``invalid`` (then
    ``problem`` names the field and reason, never a value). Counts per resource type."""

    case_id: str
    source: str
    status: str
    create: dict[str, int] = field(default_factory=dict)
    update: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    problem: str | None = None


@dataclass(frozen=True)
class DryRun:
    server: str
    namespace: str | None
    cases: list[DryCase]

    def totals(self) -> dict[str, int]:
        count = Counter(case.status for case in self.cases)
        return {
            "cases": len(self.cases),
            "cases_would_write": count["would-write"],
            "cases_unchanged": count["unchanged"],
            "cases_invalid": count["invalid"],
            "resources_create": sum(sum(c.create.values()) for c in self.cases),
            "resources_update": sum(sum(c.update.values()) for c in self.cases),
            "resources_unchanged": sum(sum(c.unchanged.values()) for c in self.cases),
        }


def plan_dry_run(
    inputs: Iterable[CaseInput], ledger: Ledger | None, server: str, namespace: str | None
) -> DryRun:
    """Plan every input against what ``ledger`` (None: no ledger yet) knows of ``server``."""
    return DryRun(server, namespace, [_plan(item, ledger, server, namespace) for item in inputs])


def _plan(item: CaseInput, ledger: Ledger | None, server: str, namespace: str | None) -> DryCase:
    try:
        if item.problem is not None:
            raise InputError(record=f"case {item.case_id}", field="(file)", reason=item.problem)
        case = parse_case(item.document)
        context = ledger.push_context(server, case.id) if ledger is not None else None
        stored = context.stored if context is not None else None
        previous_case = stored_version(stored.document) if stored is not None else None
        if previous_case is not None and context is not None and stored is not None:
            sent = stored_version(stored.sent or context.snapshot)
            case = check_incoming(case, previous_case, sent).case
        resources, plain = map_case(case, namespace)
        keys = [key_of(r) for r in resources]
        known: dict[ResourceKey, Entry] = ledger.known(server, keys) if ledger else {}
        previous = None
        if context is not None and context.snapshot is not None:
            try:
                before = case_to_resources(parse_case(context.snapshot), namespace=namespace)
                previous = {key_of(r): r for r in before}
            except AdapterError:
                previous = None
        restore: dict[ResourceKey, frozenset[str]] = {}
        for dispute in context.disputes if context is not None else ():
            restore[dispute.resource] = restore.get(dispute.resource, frozenset()) | set(
                dispute.fields
            )
        plan = plan_case(case.id, resources, known, previous, restore)
        plan = with_write_provenance(plan, case, plain, namespace=namespace)
    except AdapterError as exc:
        return DryCase(item.case_id, item.source, "invalid", problem=str(exc))
    create: Counter[str] = Counter()
    update: Counter[str] = Counter()
    for planned in plan.send:
        entry = known.get(planned.key)
        landed = entry is not None and entry.version_id is not None
        (update if landed else create)[planned.key.resource_type] += 1
    unchanged = Counter(r.resource_type for r in plan.unchanged)
    return DryCase(
        case.id,
        item.source,
        "would-write" if plan.send else "unchanged",
        dict(sorted(create.items())),
        dict(sorted(update.items())),
        dict(sorted(unchanged.items())),
    )
