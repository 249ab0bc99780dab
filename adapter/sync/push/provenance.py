"""The Provenance of each write (US edition): one per case version written, in its transaction.

When a push sends anything for a case, one more resource travels with it: a Provenance whose
``target`` is every resource that transaction writes (:func:`adapter.mappings.us_provenance.
write_provenance` says who it names). Its id comes from the case id and a digest of what is
written (keys and content hashes), so the same write sent again (a run killed after the commit,
a repair) lands on the same Provenance instead of a new one; a push that sends nothing (a no-op
re-sync) sends no Provenance either. The base edition writes none: its readers were never
promised one, and it would change every count a base installation has come to expect.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Collection, Mapping
from datetime import UTC, datetime

from adapter.mappings.bundle import case_to_resources
from adapter.mappings.datatypes import Json
from adapter.mappings.namespace import apply_namespace
from adapter.mappings.us_provenance import write_provenance
from adapter.model.case import Case
from adapter.realm import current_organization, current_realm
from adapter.sync.hashing import content_hash
from adapter.sync.ledger.records import ResourceKey
from adapter.sync.push.planner import CasePlan, Planned
from adapter.sync.resources import key_of

__all__ = ["map_case", "with_write_provenance"]


def map_case(case: Case, namespace: str | None) -> tuple[list[Json], dict[ResourceKey, str]]:
    """The case's resources as a push sends them (in ``namespace``), and for each its plain
    ``<Type>/<id>`` (what the write Provenance is built from before it is namespaced too)."""
    plain = case_to_resources(case)
    resources = plain if namespace is None else apply_namespace(plain, namespace)
    return resources, {
        key_of(sent): f"{p['resourceType']}/{p['id']}"
        for p, sent in zip(plain, resources, strict=True)
    }


def with_write_provenance(
    plan: CasePlan,
    case: Case,
    plain: Mapping[ResourceKey, str],
    *,
    namespace: str | None,
    left_out: Collection[str] = (),
    now: datetime | None = None,
) -> CasePlan:
    """``plan`` with the Provenance of its write appended, in the US edition when it sends
    anything; ``plain`` maps each sent key to its plain ``<Type>/<id>`` (:func:`map_case`);
    ``left_out``: the types this server does not take (no Provenance there, then)."""
    if current_realm() != "us" or not plan.send or "Provenance" in left_out:
        return plan
    written = sorted((plain.get(p.key, "/".join(p.key)), p.content_hash) for p in plan.send)
    version = hashlib.sha256("\n".join(f"{k}|{h}" for k, h in written).encode()).hexdigest()
    body = write_provenance(
        case,
        [key for key, _ in written],
        version=version[:32],
        recorded=(now or datetime.now(UTC)).isoformat(timespec="seconds"),
        organization=current_organization(),
    )
    if namespace is not None:
        body = apply_namespace([body], namespace)[0]
    planned = Planned(key_of(body), body, digest=content_hash(body))
    return dataclasses.replace(plan, send=[*plan.send, planned])
