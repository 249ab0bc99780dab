"""Case leases on SQLite and PostgreSQL: acquire, renew, expire, release, and one winner."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from adapter.sync.ledger import Ledger
from tests.support.ledger import SERVER, Clock

A, B = "host-a:1:aaaa:1", "host-b:2:bbbb:7"


def test_a_free_case_is_taken_and_refused_to_another_holder(ledger: Ledger) -> None:
    assert ledger.acquire_lease(SERVER, "CM-1", A, 30)
    assert not ledger.acquire_lease(SERVER, "CM-1", B, 30)
    assert ledger.lease_holder(SERVER, "CM-1") is not None
    assert ledger.lease_holder(SERVER, "CM-1")[0] == A  # type: ignore[index]
    # Another case, or the same case on another server, is free.
    assert ledger.acquire_lease(SERVER, "CM-2", B, 30)
    assert ledger.acquire_lease("https://other.example.org/fhir", "CM-1", B, 30)


def test_the_holder_takes_its_own_lease_again(ledger: Ledger, clock: Clock) -> None:
    assert ledger.acquire_lease(SERVER, "CM-1", A, 30)
    clock.advance(seconds=20)
    assert ledger.acquire_lease(SERVER, "CM-1", A, 30)
    clock.advance(seconds=20)  # 40 s after the first take, 20 s after the second
    assert not ledger.acquire_lease(SERVER, "CM-1", B, 30)


def test_an_expired_lease_is_taken_over(ledger: Ledger, clock: Clock) -> None:
    assert ledger.acquire_lease(SERVER, "CM-1", A, 30)
    clock.advance(seconds=29)
    assert not ledger.acquire_lease(SERVER, "CM-1", B, 30)
    clock.advance(seconds=1)
    assert ledger.lease_holder(SERVER, "CM-1") is None
    assert ledger.acquire_lease(SERVER, "CM-1", B, 30)
    # The old holder lost it: it can neither renew nor release B's lease.
    assert ledger.renew_leases(SERVER, A, ["CM-1"], 30) == set()
    assert not ledger.release_lease(SERVER, "CM-1", A)
    assert ledger.lease_holder(SERVER, "CM-1")[0] == B  # type: ignore[index]


def test_renewal_keeps_a_lease_past_its_first_expiry(ledger: Ledger, clock: Clock) -> None:
    for case_id in ("CM-1", "CM-2"):
        assert ledger.acquire_lease(SERVER, case_id, A, 30)
    for _ in range(5):
        clock.advance(seconds=20)
        assert ledger.renew_leases(SERVER, A, ["CM-1", "CM-2", "CM-9"], 30) == {"CM-1", "CM-2"}
        assert not ledger.acquire_lease(SERVER, "CM-1", B, 30)
    clock.advance(seconds=31)  # no renewal: expired
    assert ledger.acquire_lease(SERVER, "CM-2", B, 30)
    assert ledger.renew_leases(SERVER, A, ["CM-1", "CM-2"], 30) == {"CM-1"}


def test_release_frees_the_case_and_only_the_holder_releases(ledger: Ledger) -> None:
    assert ledger.acquire_lease(SERVER, "CM-1", A, 30)
    assert not ledger.release_lease(SERVER, "CM-1", B)
    assert not ledger.acquire_lease(SERVER, "CM-1", B, 30)
    assert ledger.release_lease(SERVER, "CM-1", A)
    assert ledger.acquire_lease(SERVER, "CM-1", B, 30)
    assert ledger.acquire_lease(SERVER, "CM-2", B, 30)
    assert ledger.leases_held(SERVER) == 2
    assert ledger.release_leases(B) == 2
    assert ledger.leases_held() == 0


@pytest.fixture
def second(ledger_url: str, ledger: Ledger, clock: Clock) -> Iterator[Ledger]:
    """Another connection pool on the same database, as another worker process has."""
    with Ledger.open(ledger_url, clock=clock) as other:
        yield other


def test_racing_workers_get_one_winner_per_case(ledger: Ledger, second: Ledger) -> None:
    """Eight threads over two pools race for the same 40 cases: every case has exactly one
    holder, and each holder's own count matches what the table says."""
    wins: dict[str, list[str]] = {}
    lock = threading.Lock()
    start = threading.Barrier(8)

    def race(worker: int) -> None:
        opened = ledger if worker % 2 else second
        holder = f"worker-{worker}"
        start.wait()
        for number in range(40):
            if opened.acquire_lease(SERVER, f"CM-{number}", holder, 60):
                with lock:
                    wins.setdefault(f"CM-{number}", []).append(holder)

    threads = [threading.Thread(target=race, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(wins) == sorted(f"CM-{n}" for n in range(40))
    assert all(len(holders) == 1 for holders in wins.values()), wins
    for case_id, holders in wins.items():
        assert ledger.lease_holder(SERVER, case_id)[0] == holders[0]  # type: ignore[index]
