"""FHIR decimals keep the digits the input gave, from the case file to the wire and back, and
comparisons (content hashes, the three-way merge) see values, not representations."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from adapter.fhir import json_body
from adapter.mappings.bundle import bundle_to_case, case_to_bundle
from adapter.model.validation import parse_case
from adapter.sync.hashing import content_hash
from adapter.sync.merge import three_way
from adapter.sync.push.inputs import read_source

EXAMPLE = Path(__file__).parents[3] / "examples" / "cases" / "CM-2009-closed-goals-achieved.json"


def _case_file(tmp_path: Path, value: str) -> Path:
    """The example with its first outcome's value written as the JSON number ``value``."""
    data = json.loads(EXAMPLE.read_text())
    data["outcomes"][0]["value"] = "@@"
    path = tmp_path / "case.json"
    path.write_text(json.dumps(data).replace('"@@"', value))
    return path


def _first_outcome_value(resources: list[dict[str, Any]]) -> Any:
    (outcome,) = [r for r in resources if r["identifier"][0]["value"].endswith("/OUT-1")]
    return outcome["valueQuantity"]["value"]


def test_a_decimal_keeps_its_digits_from_the_file_to_the_wire_and_back(tmp_path: Path) -> None:
    (source,) = read_source(_case_file(tmp_path, "21000.00"))
    case = parse_case(source.document)
    assert str(case.outcomes[0].value) == "21000.00"

    wire = json_body.dumps(case_to_bundle(case))
    assert b'"value":21000.00,' in wire

    back = bundle_to_case(json_body.loads(wire))
    assert str(back.outcomes[0].value) == "21000.00"
    assert back.model_dump(mode="json") == case.model_dump(mode="json")


def test_the_wire_writes_what_was_given_not_a_rounded_float(tmp_path: Path) -> None:
    for given in ("0.1", "5", "5.0", "1234567890.123456", "-0.50"):
        (source,) = read_source(_case_file(tmp_path, given))
        bundle = case_to_bundle(parse_case(source.document))
        resources = [e["resource"] for e in bundle["entry"] if "identifier" in e["resource"]]
        assert str(_first_outcome_value(resources)) == given
        assert f'"value":{given},'.encode() in json_body.dumps(bundle)


def test_json_body_reads_fractions_as_decimals_and_writes_them_back_unchanged() -> None:
    text = b'{"a":21000.00,"b":[1E-7,5,0.1],"c":"x"}'
    body = json_body.loads(text)
    assert body == {"a": Decimal("21000.00"), "b": [Decimal("1E-7"), 5, Decimal("0.1")], "c": "x"}
    assert json_body.dumps(body) == text


def test_the_standard_library_fallback_writes_decimals_the_same_way() -> None:
    body = {"big": 10**30, "a": Decimal("21000.00"), "s": "21000.00"}
    assert (
        json_body.dumps(body)
        == b'{"big":1000000000000000000000000000000,"a":21000.00,"s":"21000.00"}'
    )
    assert json_body.dumps_text(body) == (
        '{\n  "big": 1000000000000000000000000000000,\n  "a": 21000.00,\n  "s": "21000.00"\n}'
    )


def _observation(value: Any) -> dict[str, Any]:
    return {"resourceType": "Observation", "id": "o", "valueQuantity": {"value": value}}


def test_content_hash_compares_numbers_by_value() -> None:
    same = {content_hash(_observation(v)) for v in (Decimal("21000.00"), 21000, 21000.0)}
    assert len(same) == 1
    assert content_hash(_observation(Decimal("0.10"))) == content_hash(_observation(0.1))
    assert content_hash(_observation(Decimal("21000.01"))) not in same
    # A string is not a number: no value coincidence across types.
    assert content_hash(_observation("21000")) not in same


def test_a_server_writing_a_decimal_differently_is_no_change_in_the_merge() -> None:
    ours = {
        "resourceType": "Goal",
        "id": "g",
        "lifecycleStatus": "active",
        "target": [{"detailQuantity": {"value": Decimal("21000.00")}}],
    }
    theirs = json_body.loads(json_body.dumps(ours).replace(b"21000.00", b"21000"))
    merged = three_way(ours=ours, theirs=theirs, ours_base=ours, theirs_base=ours)
    assert merged.conflicts == ()
    assert merged.server_won == ()
    assert merged.kept_from_server == ()
