"""The FHIR package in profiles/ is consistent with itself and with adapter.canonical."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any

import pytest

from adapter import canonical
from adapter.errors import ConfigError
from adapter.mappings import extensions as mapping_extensions
from adapter.mappings.record_kind import RECORD_KIND, RECORD_KINDS
from adapter.mappings.resources.observation import OBSERVATION_KIND
from adapter.mappings.terminology import ConceptTable, table, table_names
from adapter.model import codes
from adapter.profiles import FHIRPackage, load_package
from adapter.reports import definitions as report_definitions

CORE_SD = "http://hl7.org/fhir/StructureDefinition/"
CORE_EXTENSIONS_USED = {
    CORE_SD + "workflow-episodeOfCare",
    CORE_SD + "resource-pertainsToGoal",
}


@pytest.fixture(scope="module")
def package() -> FHIRPackage:
    return load_package()


def expected_url(resource: Mapping[str, Any]) -> str:
    rtype, rid = resource["resourceType"], resource["id"]
    if rtype == "CodeSystem":
        return canonical.code_system(rid)
    if rtype == "ValueSet":
        return canonical.value_set(rid)
    if rtype == "Measure":
        return canonical.measure(rid)
    if resource["kind"] == "resource":
        return canonical.profile(rid)
    return canonical.extension(rid)


def elements(package: FHIRPackage) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for sd in package.of_type("StructureDefinition"):
        for element in sd["differential"]["element"]:
            yield sd["id"], element


def test_every_artifact_url_is_the_canonical_helper_output(package: FHIRPackage) -> None:
    assert package.resources
    for resource in package.resources:
        assert resource["url"] == expected_url(resource), resource["id"]


def test_manifest_declares_r4_core_and_the_canonical_base(package: FHIRPackage) -> None:
    assert package.manifest["canonical"] == canonical.CANONICAL_BASE
    assert package.manifest["fhirVersions"] == ["4.0.1"]
    assert package.manifest["dependencies"] == {
        "hl7.fhir.r4.core": "4.0.1",
        "hl7.fhir.us.core": "6.1.0",  # the US edition profiles derive from it
    }
    assert all(r["version"] == package.version for r in package.resources)


def test_file_names_follow_type_and_id(package: FHIRPackage) -> None:
    names = {f.name for f in package.path.glob("*.json")} - {"package.json", ".index.json"}
    assert names == {f"{r['resourceType']}-{r['id']}.json" for r in package.resources}


def test_index_lists_exactly_the_artifacts(package: FHIRPackage) -> None:
    index = json.loads((package.path / ".index.json").read_text(encoding="utf-8"))
    listed = {(f["filename"], f["url"], f["version"]) for f in index["files"]}
    actual = {
        (f"{r['resourceType']}-{r['id']}.json", r["url"], r["version"]) for r in package.resources
    }
    assert listed == actual


def test_mapping_extensions_exist_with_their_contexts(package: FHIRPackage) -> None:
    contexts = {
        "case-closure-reason": {"EpisodeOfCare"},
        "case-status": {"EpisodeOfCare"},
        "case-acuity": {"EpisodeOfCare"},
        "task-episode-of-care": {"Task", "Goal"},
        "referral-source-type": {"ServiceRequest", "EpisodeOfCare"},
    }
    for ext_id, expected in contexts.items():
        sd = package.by_url(canonical.extension(ext_id))
        assert {ctx["expression"] for ctx in sd["context"]} == expected


def test_every_adapter_extension_the_mappings_use_is_defined(package: FHIRPackage) -> None:
    urls = {getattr(mapping_extensions, name) for name in mapping_extensions.__all__}
    own = {url for url in urls if url.startswith(canonical.CANONICAL_BASE)}
    assert own
    for url in own:
        assert package.by_url(url)["type"] == "Extension", url
    # The rest must be HL7 core extensions, which every R4 server and validator knows.
    assert all(url.startswith(CORE_SD) for url in urls - own)


def test_profiles_constrain_the_four_case_resources(package: FHIRPackage) -> None:
    types = {
        "cm-episode-of-care": "EpisodeOfCare",
        "cm-careplan": "CarePlan",
        "cm-goal": "Goal",
        "cm-task": "Task",
    }
    for profile_id, rtype in types.items():
        sd = package.by_url(canonical.profile(profile_id))
        assert (sd["type"], sd["derivation"]) == (rtype, "constraint")
        assert sd["baseDefinition"] == CORE_SD + rtype


def test_us_edition_profiles_derive_from_us_core_and_keep_the_case_constraints(
    package: FHIRPackage,
) -> None:
    """cm-us-careplan / cm-us-goal: US Core's profile as base, cm-careplan / cm-goal's own
    constraints (all but the subject type, which US Core narrows further), narrative required."""
    for rtype, us_core in (("CarePlan", "us-core-careplan"), ("Goal", "us-core-goal")):
        sd = package.by_url(canonical.profile(f"cm-us-{rtype.lower()}"))
        base = package.by_url(canonical.profile(f"cm-{rtype.lower()}"))
        assert sd["baseDefinition"] == f"http://hl7.org/fhir/us/core/StructureDefinition/{us_core}"
        ids = [el["id"] for el in sd["differential"]["element"]]
        kept = [el["id"] for el in base["differential"]["element"] if "subject" not in el["id"]]
        assert set(kept) <= set(ids)
        text = next(el for el in sd["differential"]["element"] if el["id"] == f"{rtype}.text")
        assert text["min"] == 1


def test_element_ids_agree_with_paths(package: FHIRPackage) -> None:
    for sd_id, element in elements(package):
        without_slices = re.sub(r":[^.]+", "", element["id"])
        assert without_slices == element["path"], (sd_id, element["id"])


def test_bindings_point_at_value_sets_of_the_package(package: FHIRPackage) -> None:
    bound = [el["binding"]["valueSet"] for _, el in elements(package) if "binding" in el]
    assert bound
    for url in bound:
        assert package.by_url(url)["resourceType"] == "ValueSet"


def test_extension_slices_use_package_or_core_extensions(package: FHIRPackage) -> None:
    for sd_id, element in elements(package):
        for type_ in element.get("type", []):
            for url in type_.get("profile", []):
                in_package = url.startswith(canonical.CANONICAL_BASE)
                assert (in_package and package.by_url(url)) or url in CORE_EXTENSIONS_USED, (
                    sd_id,
                    url,
                )


def test_every_code_system_has_a_value_set_with_all_its_codes(package: FHIRPackage) -> None:
    for cs in package.of_type("CodeSystem"):
        codes = [concept["code"] for concept in cs["concept"]]
        assert len(codes) == len(set(codes)) == cs["count"], cs["id"]
        assert cs["content"] == "complete"
        vs = package.by_url(cs["valueSet"])
        assert vs["compose"] == {"include": [{"system": cs["url"]}]}


def local_tables() -> list[ConceptTable]:
    """The mapping tables whose codes live in one of the adapter's own CodeSystems."""
    tables = (table(name) for name in table_names())
    return [t for t in tables if t.system.startswith(canonical.CANONICAL_BASE)]


def test_every_local_code_system_of_the_mappings_is_in_the_package(package: FHIRPackage) -> None:
    # observation-kind and record-kind are the local systems whose codes sit in mapping code.
    in_mappings = {t.system for t in local_tables()} | {OBSERVATION_KIND, RECORD_KIND}
    # program-evaluation names the populations of the report's Measure (adapter/reports).
    in_adapter = in_mappings | {report_definitions.CODE_SYSTEM}
    assert {cs["url"] for cs in package.of_type("CodeSystem")} == in_adapter


def test_code_systems_hold_the_mapping_codes_and_displays(package: FHIRPackage) -> None:
    for concepts in local_tables():
        cs = package.by_url(concepts.system)
        in_package = [(c["code"], c["display"]) for c in cs["concept"]]
        assert in_package == [(t.code, t.display) for t in concepts.forward.values()], cs["id"]


def test_record_kind_code_system_holds_the_kinds_the_mappings_write(package: FHIRPackage) -> None:
    cs = package.by_url(RECORD_KIND)
    assert [(c["code"], c["display"]) for c in cs["concept"]] == list(RECORD_KINDS.items())


def test_profiles_never_fix_an_identifier_system(package: FHIRPackage) -> None:
    """Identifier systems change with the namespace and the identifier base; a profile that
    fixed one would reject what a namespaced push writes (docs/profiles.md)."""
    prefix = canonical.identifier_system("")
    for sd_id, element in elements(package):
        assert prefix not in json.dumps(element), (sd_id, element["id"])
    slices = [el for _, el in elements(package) if el["id"].endswith("identifier:adapter.type")]
    assert len(slices) == 6  # the four case profiles and the US edition's CarePlan and Goal
    assert all(el["patternCodeableConcept"]["coding"][0]["system"] == RECORD_KIND for el in slices)


def test_code_systems_hold_exactly_the_model_enum_values(package: FHIRPackage) -> None:
    for concepts in local_tables():
        module, _, enum_name = concepts.source.rpartition(".")
        assert module == codes.__name__
        enum: type[StrEnum] = getattr(codes, enum_name)
        cs = package.by_url(concepts.system)
        assert [c["code"] for c in cs["concept"]] == [m.value for m in enum], cs["id"]


def test_upload_order_puts_terminology_and_extensions_before_profiles(
    package: FHIRPackage,
) -> None:
    order = ("CodeSystem", "ValueSet", "StructureDefinition", "StructureDefinition", "Measure")
    ranks = [
        order.index(r["resourceType"]) + (r.get("kind") == "resource") for r in package.resources
    ]
    assert ranks == sorted(ranks)


def test_missing_package_folder_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"package\.json"):
        load_package(tmp_path)


def test_malformed_artifact_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text('{"name": "x", "version": "1"}', encoding="utf-8")
    (tmp_path / "CodeSystem-x.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"CodeSystem-x\.json"):
        load_package(tmp_path)


def test_program_evaluation_definitions_are_what_the_reports_generate(
    package: FHIRPackage, tmp_path: Path
) -> None:
    written = report_definitions.write_definitions(tmp_path, package.version)
    for generated in written:
        checked_in = package.path / generated.name
        assert checked_in.read_text(encoding="utf-8") == generated.read_text(encoding="utf-8"), (
            f"profiles/{generated.name} is stale: run `python -m adapter.reports.definitions`"
        )


def test_measure_has_one_group_per_program_with_the_report_codes(package: FHIRPackage) -> None:
    measure = package.by_url(report_definitions.MEASURE_URL)
    programs = [group["code"]["coding"][0]["code"] for group in measure["group"]]
    assert programs == [p.value for p in codes.ProgramType]
    system = package.by_url(report_definitions.CODE_SYSTEM)
    defined = {concept["code"] for concept in system["concept"]}
    for group in measure["group"]:
        used = [p["code"]["coding"][0] for p in group["population"][1:]]
        used += [s["code"]["coding"][0] for s in group["stratifier"]]
        assert {c["system"] for c in used} == {report_definitions.CODE_SYSTEM}
        assert {c["code"] for c in used} <= defined
