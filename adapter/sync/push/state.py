"""A push run's state: the cases it takes in and what one run holds while it works."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from adapter.fhir.client import FHIRClient
from adapter.mappings.fingerprint import mapping_fingerprint
from adapter.model.case import Case
from adapter.sync.ledger import Ledger
from adapter.sync.ledger.thread import LedgerThread
from adapter.sync.push.leasing import CaseLeases
from adapter.sync.push.outcomes import CaseOutcome
from adapter.sync.push.ride import MarkerRide
from adapter.sync.push.selection import Selection
from adapter.sync.push.unchanged import UnchangedBatch

__all__ = ["CaseInput", "PushRun"]


@dataclass(frozen=True)
class CaseInput:
    """One case to push: its JSON (untrusted), where it came from, and its id if known.

    ``problem`` says why the input could not even be read (then ``document`` is None).
    ``from_store``: the document is the case store's own (the service pushing what it holds),
    not something the case-management system sent.
    """

    case_id: str
    document: Any
    source: str
    problem: str | None = None
    from_store: bool = False


@dataclass
class PushRun:
    client: FHIRClient
    ledger: Ledger
    run_id: int
    call: LedgerThread
    namespace: str | None = None
    on_case: Callable[[CaseOutcome], None] | None = None
    on_accepted: Callable[[Case], None] | None = None  # told of every case version stored
    adopting: bool = False  # a new ledger on a server holding our data: read before writing
    selection: Selection = field(default_factory=Selection)  # the types this server takes
    leases: CaseLeases | None = None  # several workers on one ledger (adapter.sync.push.leasing)
    ride: MarkerRide | None = None  # the marker's write, carried by the run's transaction
    # ADAPTER_REFERRAL_TASK_SERVER: the performer's server the referral Tasks go to (None: here)
    referral_tasks: FHIRClient | None = None
    fast_unchanged: set[str] = field(default_factory=set)  # cases found unchanged unmapped
    server: str = field(init=False)
    unchanged: UnchangedBatch = field(init=False)

    def __post_init__(self) -> None:
        self.server = self.client.base.url
        self.unchanged = UnchangedBatch(self.ledger, self.run_id, self.server, self.call)

    @property
    def mapping(self) -> str:
        """The mapping fingerprint, under the types this server takes."""
        return self.selection.fingerprint(mapping_fingerprint(self.namespace))
