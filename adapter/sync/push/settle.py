"""After a failed transaction whose outcome is uncertain: what the server really holds.

A server whose transactions are not atomic (the server profile's ``atomic: false``, or
``ADAPTER_FHIR_ATOMIC_TRANSACTIONS=false``) may have applied part of a transaction it answered
with an error; on any server, a transaction that ended in a dropped connection or a 5xx may
have been committed. Sending it again as it was would name
versions in If-Match the server has moved past (409/412 on every run, never converging) or,
without If-Match, overwrite blindly. So the transaction's resources are read back first (one
search by ``_id`` per type) and each is settled:

- the server holds our content (same content hash): it landed, at the version the server
  shows; only this, proved by the read-back, is what the ledger records as landed;
- the server holds the version we named in If-Match (or nothing, for a new resource): it did
  not land, and goes again as planned;
- it is gone though we knew a version: it goes again without If-Match (written afresh);
- the server holds another version with other content: someone else wrote it; the sender
  merges ours onto it (as after a version conflict) and names that version in If-Match.

An atomic server's refusal with a 4xx status left nothing behind: no read-back then.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from adapter.errors import AdapterError, DeadlineExceeded, FHIRStatusError, FHIRTransportError
from adapter.fhir.client import FHIRClient
from adapter.sync.hashing import content_hash
from adapter.sync.ledger.records import ResourceKey, SyncedResource
from adapter.sync.push.planner import Planned
from adapter.sync.push.verify import read_back
from adapter.sync.resources import meta_version

__all__ = ["Settled", "settle", "uncertain"]


def uncertain(exc: AdapterError, *, atomic: bool) -> bool:
    """Whether to read back after a failed transaction: always on a server whose transactions
    are not atomic; on an atomic one after a 5xx or a lost connection (it may have committed,
    nothing said so). An answer that came but cannot be believed, or came too slowly, is not
    read back: such a server's reads are no better (the case is dead-lettered, see
    tests/reliability/test_lying_server.py), and the next run settles it."""
    if not atomic:
        return True
    if isinstance(exc, FHIRStatusError):
        return exc.status >= 500
    if isinstance(exc, DeadlineExceeded) or not isinstance(exc, FHIRTransportError):
        return False
    return exc.request_sent


@dataclass
class Settled:
    """What the read-back proved landed, and what goes again (in the order planned), each with
    the server's current copy when someone else's version must be merged first."""

    landed: list[SyncedResource] = field(default_factory=list)
    again: list[tuple[Planned, dict[str, Any] | None]] = field(default_factory=list)


async def settle(client: FHIRClient, planned: Sequence[Planned]) -> Settled:
    """Read back ``planned`` and settle each (see the module); raises what the read raises."""
    found = await read_back(client, [ResourceKey(*p.key) for p in planned])
    out = Settled()
    for item in planned:
        current = found.get(ResourceKey(*item.key))
        if current is None:
            out.again.append(
                (item if item.if_match is None else item.with_body(item.body, None), None)
            )
            continue
        version = meta_version(current)
        if content_hash(current) == item.content_hash:
            out.landed.append(
                SyncedResource(
                    *item.key,
                    version,
                    item.content_hash,
                    changed=version != item.if_match,
                    internal_key=item.internal_key,
                )
            )
        elif version == item.if_match:
            out.again.append((item, None))
        elif item.if_match is None:  # not ours to merge with: ours, on the version seen
            out.again.append((item.with_body(item.body, version), None))
        else:
            out.again.append((item, current))
    return out
