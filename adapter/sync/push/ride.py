"""The server marker's write carried by a case's transaction instead of a PUT of its own.

After a run that wrote anything the marker must move on (:mod:`adapter.sync.push.marker`): a
server restored to any point before the run's last write then shows an older marker than the
ledger recorded. A re-sync where one case changed used to cost three requests: the marker's
GET, the case's transaction, the marker's PUT. When the marker is one more entry of the run's
first transaction, and that transaction turns out to be the run's only one, the marker moved in
the same atomic commit as every write of the run, and the PUT after the run is not needed. Any
other transaction of the run (another case, a retry, a bisection) may have committed after it,
so then the PUT after the run still happens: the marker is never older than the run's writes.

The marker rides only where it is plain: the check before the run found it at the recorded
version (``same``), the server takes the adapter's ids, commits a transaction whole (on a
server known not to, the marker could land before the entries next to it), and the
transaction has room under the server's cap. Its entry in the answer is checked like every
other (:mod:`adapter.fhir.answers`: type, id and a readable version) before its version is
recorded. A transaction carrying it
that fails for any reason ends the ride for the run, so the marker can never be what keeps a
case from landing twice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from adapter.fhir import FHIRClient
from adapter.fhir.results import EntryResult
from adapter.mappings.bundle import full_url
from adapter.sync.ledger import Ledger
from adapter.sync.push.marker import MARKER_TYPE, marker_body, marker_id, record_marker

__all__ = ["MarkerRide", "covers_run", "marker_ride"]


class MarkerRide:
    """One run's offer to carry the marker in a transaction. ``record`` stores the version
    the server answered with (the ledger's marker setting)."""

    def __init__(
        self,
        *,
        available: bool,
        namespace: str | None,
        record: Callable[[str], Awaitable[None]],
    ) -> None:
        self._open = available
        self._namespace = namespace
        self._record = record
        self._aboard = False
        self.carried = False  # a committed transaction wrote the marker
        self.transactions = 0  # every transaction the run's cases sent, carrying it or not

    @property
    def covers_run(self) -> bool:
        """The marker moved with the run's only transaction: no PUT needed after the run."""
        return self.carried and self.transactions == 1

    def board(self, entries: int, cap: int | None) -> dict[str, Any] | None:
        """Called for every transaction about to be sent: the marker's entry to add to it, or
        None (already carried, being carried, not offered, or no room under ``cap``)."""
        self.transactions += 1
        if not self._open or self._aboard or self.carried or (cap is not None and entries >= cap):
            return None
        self._aboard = True
        body = marker_body(self._namespace)
        request = {"method": "PUT", "url": f"{MARKER_TYPE}/{marker_id(self._namespace)}"}
        return {"fullUrl": full_url(body), "resource": body, "request": request}

    async def arrived(self, result: EntryResult) -> None:
        """The marker's entry of a committed transaction (already checked against the request
        by the client): its version is the one to expect next time."""
        self._aboard = False
        if result.version_id is None:  # the client refuses such answers; never taken as moved
            self._open = False
            return
        self.carried = True
        await self._record(result.version_id)

    def missed(self) -> None:
        """The transaction carrying the marker failed: no more rides in this run."""
        self._aboard = False
        self._open = False


def marker_ride(
    client: FHIRClient, ledger: Ledger, namespace: str | None, state: str
) -> MarkerRide:
    """The marker rides a transaction only where the check found it as recorded, the server
    takes the adapter's ids and commits a transaction whole (see :class:`MarkerRide`)."""

    async def record(version: str) -> None:
        await record_marker(ledger, client.base.url, version)

    available = state == "same" and not client.server_ids and client.atomic_transactions
    return MarkerRide(available=available, namespace=namespace, record=record)


def covers_run(ride: MarkerRide | None) -> bool:
    """The run's marker moved with its only transaction (no PUT after the run is needed)."""
    return ride is not None and ride.covers_run
