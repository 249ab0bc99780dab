"""``adapter import`` of what other systems wrote, against the real HAPI server.

The resources are hand-written (tests/fixtures/import), shaped like the FHIR R4 spec's
EpisodeOfCare, CarePlan, Goal, Task and Consent examples and like US Core CarePlans, and are
PUT by plain HTTP. Each scenario's case record is compared with its golden file
(tests/golden/import; ``UPDATE_GOLDEN=1`` rewrites them: review the diff).
"""

from __future__ import annotations

import json
import os
import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from adapter.fhir import FHIRClient
from adapter.sync.pull.gather import RestGatherer
from adapter.sync.pull.importer import ImportSummary, import_with
from adapter.sync.pull.record import server_slug
from tests.support.foreign import SCENARIOS, foreign_resources, normalized, put_raw

pytestmark = pytest.mark.integration

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "import"
PATIENT_PREFIX = {
    "spec-episode": "sp",
    "us-core-careplan": "up",
    "unknown-code": "kp",
    "missing-optional": "mp",
    "malformed": "xp",
}


def tag() -> str:
    return uuid.uuid4().hex[:10]


async def import_patient(client: FHIRClient, patient: str, out: Path) -> ImportSummary:
    gatherer = RestGatherer(client, patient)
    return await import_with(gatherer, server=client.base.url, out_dir=out)


def records(summary: ImportSummary) -> list[dict[str, Any]]:
    return [json.loads(c.path.read_text(encoding="utf-8")) for c in summary.imported]


def dated(record: Any) -> Any:
    """Dates the server chose (meta.lastUpdated defaults) as TODAY."""
    text = json.dumps(record)
    now = datetime.now(UTC)
    for day in (now, now - timedelta(days=1)):
        text = text.replace(day.date().isoformat(), "TODAY")
    return json.loads(re.sub(r"TODAYT[0-9:.]+(Z|[+-]\d\d:\d\d)", "TODAY", text))


@pytest.mark.parametrize("scenario", SCENARIOS)
async def test_each_foreign_scenario_gives_its_golden_record(
    client: FHIRClient, fhir_base_url: str, tmp_path: Path, scenario: str
) -> None:
    run = tag()
    put_raw(fhir_base_url, foreign_resources(scenario, run))

    summary = await import_patient(client, f"{PATIENT_PREFIX[scenario]}-{run}", tmp_path)

    assert not summary.failed, summary.failed
    [record] = records(summary)
    got = {
        "record": dated(normalized(record, run, client.base.url)),
        "refused": sorted(line.replace(run, "TAG") for line in summary.refused),
        "file": summary.imported[0]
        .path.name.replace(run, "TAG")
        .replace(server_slug(client.base.url), "SERVER"),
    }
    golden = GOLDEN / f"{scenario}.json"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(json.dumps(got, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    assert got == json.loads(golden.read_text(encoding="utf-8"))


async def test_malformed_resources_are_named_and_the_rest_of_the_case_is_imported(
    client: FHIRClient, fhir_base_url: str, tmp_path: Path
) -> None:
    run = tag()
    put_raw(fhir_base_url, foreign_resources("malformed", run))

    summary = await import_patient(client, f"xp-{run}", tmp_path)

    assert sorted(summary.refused) == [
        f"EpisodeOfCare/xe2-{run}: not valid FHIR: EpisodeOfCare.status: "
        "Value for the field 'status' is required.",
        f"Goal/xg-{run}: not valid FHIR: Goal.description: Field required",
        f"Task/xt-{run}: not valid FHIR: Task.status: Value for the field 'status' is required.",
    ]
    [imported] = summary.imported
    assert imported.case_id == f"xe-{run}"  # the episode that is valid FHIR
    assert "Berg" not in json.dumps(summary.to_dict())  # no patient data in the summary


async def test_two_providers_with_one_case_id_give_two_files(
    client: FHIRClient, fhir_base_url: str, tmp_path: Path
) -> None:
    run = tag()
    patient = {"reference": f"Patient/tp-{run}"}
    episodes = [
        {
            "resourceType": "EpisodeOfCare",
            "id": f"te{n}-{run}",
            "identifier": [{"system": f"http://provider-{n}.example.org/cases", "value": "C-1"}],
            "status": "planned",
            "patient": patient,
            "period": {"start": "2025-01-0" + n},
        }
        for n in ("1", "2")
    ]
    put_raw(
        fhir_base_url,
        [
            {
                "resourceType": "Patient",
                "id": f"tp-{run}",
                "name": [{"family": "Twice", "given": ["Tess"]}],
                "gender": "female",
                "birthDate": "1980-01-01",
            },
            *episodes,
        ],
    )

    summary = await import_patient(client, f"tp-{run}", tmp_path)

    assert sorted(c.case_id for c in summary.imported) == ["C-1", "C-1"]
    names = sorted(c.path.name for c in summary.imported)
    assert len(names) == 2
    assert "provider-1.example.org-cases" in names[0]
    assert "provider-2.example.org-cases" in names[1]
    assert all(n.endswith("__C-1.json") for n in names)
    systems = {json.loads(c.path.read_text())["source"]["system"] for c in summary.imported}
    assert systems == {f"http://provider-{n}.example.org/cases" for n in ("1", "2")}
