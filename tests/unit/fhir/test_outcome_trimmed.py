"""What of a server's OperationOutcome is kept: its words, trimmed, and nothing that could carry
the submitted resource (contained resources, narrative, extensions, long echoes)."""

from __future__ import annotations

from adapter.fhir.outcome import DIAGNOSTICS_LIMIT, joined, trimmed, words

ECHO = '{"resourceType":"Patient","name":[{"family":"Petrov"}]}' * 20


def test_keeps_severity_code_text_codes_and_locations_only():
    outcome = {
        "resourceType": "OperationOutcome",
        "text": {"status": "generated", "div": "<div>Petrov</div>"},
        "contained": [{"resourceType": "Patient", "name": [{"family": "Petrov"}]}],
        "issue": [
            {
                "severity": "error",
                "code": "invalid",
                "diagnostics": "HAPI-1094: too long " + ECHO,
                "details": {"coding": [{"system": "urn:x", "code": "MSG_X", "display": "Petrov"}]},
                "expression": ["Goal.subject"],
                "extension": [{"url": "urn:echo", "valueString": "Petrov"}],
            }
        ],
    }
    kept = trimmed(outcome)
    assert kept is not None
    [issue] = kept["issue"]
    assert set(kept) == {"resourceType", "issue"}
    assert set(issue) == {"severity", "code", "diagnostics", "details", "expression"}
    assert issue["details"] == {"coding": [{"system": "urn:x", "code": "MSG_X"}]}
    assert issue["diagnostics"].startswith("HAPI-1094: too long")
    assert len(issue["diagnostics"]) == DIAGNOSTICS_LIMIT


def test_details_text_is_the_text_when_there_are_no_diagnostics():
    outcome = {
        "resourceType": "OperationOutcome",
        "issue": [
            {"severity": "error", "code": "too-costly", "details": {"text": "more than 50 entries"}}
        ],
    }
    assert words(outcome) == "error too-costly: more than 50 entries"


def test_joined_keeps_both_sides_in_order_and_nothing_is_none():
    first = {"issue": [{"severity": "error", "code": "invalid", "diagnostics": "whole refused"}]}
    second = {"issue": [{"severity": "error", "code": "processing", "diagnostics": "part"}]}
    both = joined(first, None, second)
    assert both is not None
    assert [i["diagnostics"] for i in both["issue"]] == ["whole refused", "part"]
    assert joined(None, {}) is None
    assert trimmed(None) is None
    assert words(None) == ""
