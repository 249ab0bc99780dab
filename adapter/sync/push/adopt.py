"""Adopting what the server already holds, before a case's first write from a new ledger.

A ledger that is new (or was lost) knows none of the case's resources, so the planner would
PUT them all without If-Match: a blind overwrite of whatever the server holds, and new
versions of everything. When the server check found this installation's marker on the server
(:mod:`adapter.sync.push.marker`, state ``adopt``), each case's resources are read back first
(by ``_id``); those the server holds are recorded as landed, at the server's version and with
the hash of the server's content. The case is then planned again: what is the same costs no
write, what differs is sent with If-Match on the server's version.
"""

from __future__ import annotations

import logging

from adapter.fhir.client import FHIRClient
from adapter.sync.hashing import content_hash
from adapter.sync.id_discovery import find_server_ids, relocalized
from adapter.sync.ledger import SyncedResource
from adapter.sync.push.planner import CasePlan
from adapter.sync.push.verify import read_back
from adapter.sync.resources import internal_key_of, key_of, meta_version

__all__ = ["held_resources"]

log = logging.getLogger("adapter.sync.push")


async def held_resources(client: FHIRClient, plan: CasePlan) -> list[tuple[str, SyncedResource]]:
    """What the server already holds of ``plan``'s resources the ledger does not know, as
    (case id, landed resource) pairs for :meth:`adapter.sync.ledger.Ledger.adopt`."""
    unknown = [p.key for p in plan.send if p.if_match is None]
    if not unknown:
        return []
    # Where the server assigns ids, what it holds is found by identifier first (no request
    # where the adapter's own ids are used): adapter.sync.id_discovery.
    bodies = [p.body for p in plan.send if p.if_match is None]
    # One read first: a case whose EpisodeOfCare the server lacks is new there (a case's
    # resources land in one transaction), so a new case costs one request, not one per type.
    episodes = [key for key in unknown if key.resource_type == "EpisodeOfCare"]
    await find_server_ids(client, [b for b in bodies if b["resourceType"] == "EpisodeOfCare"])
    held = await read_back(client, episodes) if episodes else {}
    if episodes and not held:
        return []
    await find_server_ids(client, [b for b in bodies if key_of(b) not in held])
    held = relocalized(client, held)  # the episode was read before its references were found
    held |= await read_back(client, [key for key in unknown if key not in held])
    if held:
        log.info("case %s: adopting %d resources the server already held", plan.case_id, len(held))
    return [
        (
            plan.case_id,
            SyncedResource(
                key.resource_type,
                key.resource_id,
                meta_version(resource),
                content_hash(resource),
                changed=False,
                internal_key=internal_key_of(resource),
            ),
        )
        for key, resource in held.items()
    ]
