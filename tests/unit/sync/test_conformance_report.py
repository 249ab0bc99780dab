"""The conformance report's pure parts: which guide a profile belongs to, what an error line
shows (never a quoted value: it may be patient data), and when a run counts as passed."""

from __future__ import annotations

from adapter.sync.conformance import BASE_GUIDE, ConformanceReport, _line, guide_of


def test_profiles_belong_to_their_guides() -> None:
    assert guide_of("http://hl7.org/fhir/us/core/StructureDefinition/us-core-goal") == (
        "US Core 6.1.0"
    )
    assert guide_of("https://fhir.cm-adapter.dev/StructureDefinition/cm-task") == "cm-adapter"
    sdohcc = "http://hl7.org/fhir/us/sdoh-clinicalcare/StructureDefinition/SDOHCC-Goal"
    assert guide_of(sdohcc) == "Gravity SDOHCC"
    assert guide_of("http://hl7.org/fhir/us/mcc/StructureDefinition/MCCCarePlan") == (
        "MCC eCare Plan"
    )
    assert guide_of(None) == BASE_GUIDE
    assert guide_of("http://example.org/StructureDefinition/x") == "other"


def test_error_lines_blank_quoted_values() -> None:
    issue = {
        "severity": "error",
        "expression": ["Patient.birthDate"],
        "diagnostics": "The value '1958-07-14x' is not a valid date (\"Okafor\")",
    }
    line = _line(issue)
    assert line == "Patient.birthDate: The value '…' is not a valid date ('…')"
    assert "Okafor" not in line
    assert "1958" not in line


def test_a_report_passes_only_with_resources_and_no_failure() -> None:
    report = ConformanceReport(realm="us")
    assert not report.ok  # nothing checked is no pass
    report.resources = 1
    report.tally(None).passed += 1
    assert report.ok
    report.tally("http://hl7.org/fhir/us/core/StructureDefinition/us-core-goal").failed += 1
    assert not report.ok
    assert [t.guide for t in report.ordered()] == [BASE_GUIDE, "US Core 6.1.0"]
