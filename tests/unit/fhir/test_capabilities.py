"""Summarising a CapabilityStatement."""

from __future__ import annotations

from adapter.fhir.capabilities import CASE_RESOURCES, summarise


def _resource(kind: str, *codes: str, **flags: bool) -> dict[str, object]:
    return {"type": kind, "interaction": [{"code": c} for c in codes], **flags}


STATEMENT = {
    "resourceType": "CapabilityStatement",
    "fhirVersion": "4.0.1",
    "software": {"name": "HAPI FHIR Server", "version": "8.8.0"},
    "rest": [
        {
            "mode": "client",
            "resource": [_resource("Task", "read", "create", "update", "search-type")],
        },
        {
            "mode": "server",
            "resource": [
                _resource(
                    "EpisodeOfCare",
                    "read",
                    "create",
                    "update",
                    "search-type",
                    conditionalUpdate=True,
                ),
                _resource("CarePlan", "read", "search-type"),
                _resource("Goal", "read", "vread", "create", "update", "delete", "search-type"),
            ],
        },
    ],
}


def test_summary_names_version_and_software():
    summary = summarise(STATEMENT)
    assert (summary.fhir_version, summary.software_name, summary.software_version) == (
        "4.0.1",
        "HAPI FHIR Server",
        "8.8.0",
    )


def test_support_per_case_resource_from_server_mode_only():
    by_type = {r.resource_type: r for r in summarise(STATEMENT).resources}
    assert list(by_type) == list(CASE_RESOURCES)
    assert by_type["EpisodeOfCare"].complete
    assert by_type["EpisodeOfCare"].conditional_update
    assert not by_type["EpisodeOfCare"].conditional_create
    assert by_type["CarePlan"].interactions == {
        "read": True,
        "create": False,
        "update": False,
        "search-type": True,
    }
    assert by_type["Goal"].complete
    assert not any(by_type["Task"].interactions.values())  # declared for client mode only


def test_empty_statement_gives_unknowns_and_no_support():
    summary = summarise({"resourceType": "CapabilityStatement"})
    assert summary.software_name is None
    assert all(not r.complete for r in summary.resources)


def test_summary_as_dict_is_json_ready():
    as_dict = summarise(STATEMENT).to_dict()
    assert as_dict["resources"][0]["interactions"]["read"] is True
