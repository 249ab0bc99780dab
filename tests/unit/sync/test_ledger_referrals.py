"""The ledger's inbound referrals: Task -> case, and the answer last written (SQLite and
PostgreSQL)."""

from __future__ import annotations

from adapter.sync.ledger import Ledger

SERVER = "http://fhir.example/r4"


def test_a_claim_is_kept_and_later_answers_update_it(ledger: Ledger):
    assert ledger.inbound_referral(SERVER, "881") is None
    ledger.record_inbound_referral(SERVER, "881", "REF-881", "requested", "1")
    claimed = ledger.inbound_referral(SERVER, "881")
    assert claimed is not None
    assert (claimed.case_id, claimed.status, claimed.task_version) == ("REF-881", "requested", "1")

    ledger.record_inbound_referral(SERVER, "881", "REF-881", "accepted", "2")

    answered = ledger.inbound_referral_of_case("REF-881")
    assert answered is not None
    assert (answered.status, answered.task_version) == ("accepted", "2")
    assert answered.claimed_at == claimed.claimed_at
    assert ledger.inbound_referral("http://other.example/fhir", "881") is None
    assert ledger.inbound_referral_of_case("REF-1") is None


def test_an_outbound_abort_is_kept_once_and_settled(ledger: Ledger):
    ledger.record_outbound_abort(SERVER, "a-1", task_id="t-9", case_id="CM-1", record_id="T-1")
    ledger.record_outbound_abort(SERVER, "a-1", task_id="t-9", case_id="CM-1", record_id="T-1")
    [sent] = ledger.outbound_aborts(SERVER, task_id="t-9")
    assert (sent.abort_id, sent.case_id, sent.record_id, sent.status) == (
        "a-1",
        "CM-1",
        "T-1",
        "requested",
    )
    ledger.settle_outbound_abort(SERVER, "a-1", "rejected")
    assert [a.status for a in ledger.outbound_aborts(SERVER)] == ["rejected"]
    assert ledger.outbound_aborts("http://other.example/fhir") == []
    assert ledger.outbound_aborts(SERVER, task_id="t-0") == []
