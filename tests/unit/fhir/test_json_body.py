from __future__ import annotations

import json

import pytest

from adapter.fhir import json_body


def test_dumps_is_compact_utf8_json():
    body = {"resourceType": "Patient", "name": [{"family": "Ñúñez"}], "x": 1.5}
    assert (
        json_body.dumps(body)
        == json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    )


def test_an_integer_beyond_64_bits_falls_back_instead_of_failing():
    body = {"resourceType": "Basic", "extension": [{"valueInteger64": 10**30}]}
    assert json.loads(json_body.dumps(body)) == body


@pytest.mark.parametrize(
    "content", [b"<html>", b"\xff\xfe", b"[" * 2000 + b"]" * 2000, b'{"a": NaN}', b""]
)
def test_loads_refuses_what_is_not_json_with_the_standard_error(content: bytes):
    with pytest.raises(json.JSONDecodeError):
        json_body.loads(content)
