"""The sync ledger: what was sent to which FHIR server, what failed, and how far pulls have read.

It knows nothing of HTTP or of the mapping: the sync engine tells it what happened. Each
``record_*`` call is one short transaction, so the ledger never holds a lock while the engine
waits on the network, and a killed process leaves the ledger consistent up to its last case.

The API is synchronous on purpose: every call is a single transaction of a few milliseconds on
a local file, SQLite drivers are synchronous underneath anyway (aiosqlite runs them in a
thread), and Alembic and the CLI are synchronous too. Async callers may call it directly, or
through ``asyncio.to_thread`` when other processes keep the file busy; a Ledger is thread-safe.

Messages given to the ledger must be free of patient data (they are shown by ``adapter
explain`` and kept indefinitely): pass an error class, a server code and a sentence, never a
resource or a name.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Self

from adapter.sync.ledger import migrate
from adapter.sync.ledger.base import utcnow
from adapter.sync.ledger.cases import Cases
from adapter.sync.ledger.claims import Claims
from adapter.sync.ledger.engine import DEFAULT_BUSY_TIMEOUT, create_ledger_engine
from adapter.sync.ledger.feed import Feed
from adapter.sync.ledger.leases import Leases
from adapter.sync.ledger.letters import Letters
from adapter.sync.ledger.referral_tasks import ReferralTasks
from adapter.sync.ledger.referrals import InboundReferrals, OutboundAborts
from adapter.sync.ledger.results import Results
from adapter.sync.ledger.runs import Runs
from adapter.sync.ledger.server_ids import ServerIds
from adapter.sync.ledger.state import State

__all__ = ["Ledger"]


class Ledger(
    Runs,
    Cases,
    Claims,
    Results,
    Letters,
    State,
    Feed,
    ServerIds,
    InboundReferrals,
    OutboundAborts,
    ReferralTasks,
    Leases,
):
    """One ledger database. Open with :meth:`open`; close with :meth:`close` or ``with``.

    Its parts, one module each, by what they touch: :class:`Runs` (``runs.py``),
    :class:`Cases` (the case store, ``cases.py``), :class:`Claims` (what each server is said
    to hold: read, forgotten, adopted; ``claims.py``), :class:`Results` (every ``record_*`` of a
    push or pull, ``results.py``), :class:`Letters` (dead letters and conflicts,
    ``letters.py``), :class:`State` (watermarks, settings, totals, ``state.py``), :class:`Feed`
    (the change feed, ``feed.py``) and :class:`ServerIds` (the ids a server assigned,
    ``server_ids.py``), :class:`InboundReferrals` / :class:`OutboundAborts` (referrals
    claimed, cancellations sent: ``referrals.py``), :class:`ReferralTasks` (referral Tasks
    on the performer's server, ``referral_tasks.py``) and :class:`Leases` (which push worker
    holds which case, ``leases.py``).
    They share
    one engine and clock (``base.py``).
    """

    @classmethod
    def open(
        cls,
        url: str,
        *,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
        clock: Callable[[], datetime] = utcnow,
    ) -> Self:
        """Open (creating and migrating to the current schema if needed) the ledger at ``url``."""
        engine = create_ledger_engine(url, busy_timeout=busy_timeout)
        try:
            migrate.upgrade(engine)
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, clock=clock)
