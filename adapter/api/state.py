"""What the app holds while it runs: opened in the lifespan, closed at shutdown."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from adapter.api.background import BackgroundRuns
from adapter.api.referral_poll import PollFlag
from adapter.api.security import Guard
from adapter.api.telemetry import Metrics
from adapter.fhir import FHIRClient
from adapter.settings import Settings
from adapter.sync.ledger import Ledger

__all__ = ["AppState"]


@dataclass(frozen=True, eq=False)
class AppState:
    settings: Settings
    ledger: Ledger
    fhir: FHIRClient
    metrics: Metrics
    runs: BackgroundRuns
    api_guard: Guard
    notify_guard: Guard
    case_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # Ids of the cases the running push holds (POST /cases answers 409 for them).
    pushing: set[str] = field(default_factory=set)
    # A notification gap asked the next pull to poll the referral Tasks first.
    referral_poll: PollFlag = field(default_factory=PollFlag)
