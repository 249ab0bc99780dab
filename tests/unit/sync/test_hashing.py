from __future__ import annotations

import hashlib
import json

from adapter.sync.hashing import canonical_json, content_hash

GOAL = {
    "resourceType": "Goal",
    "id": "cm-goal-1",
    "lifecycleStatus": "active",
    "description": {"text": "Walk 30 minutes a day"},
    "subject": {"reference": "Patient/cm-p-1"},
}


def test_hash_ignores_server_stamped_meta():
    stamped = {
        **GOAL,
        "meta": {"versionId": "7", "lastUpdated": "2024-05-01T10:00:00Z", "source": "#abc"},
    }
    assert content_hash(stamped) == content_hash(GOAL)


def test_hash_keeps_meta_the_adapter_sets():
    profiled = {**GOAL, "meta": {"profile": ["https://cm.example/Goal"], "versionId": "2"}}
    assert content_hash(profiled) != content_hash(GOAL)
    assert content_hash(profiled) == content_hash(
        {**GOAL, "meta": {"profile": ["https://cm.example/Goal"]}}
    )


def test_hash_is_independent_of_key_order():
    reordered = json.loads(json.dumps(dict(reversed(list(GOAL.items())))))
    reordered["description"] = {"text": "Walk 30 minutes a day"}
    assert list(reordered) != list(GOAL)
    assert content_hash(reordered) == content_hash(GOAL)


def test_hash_changes_with_content():
    changed = {**GOAL, "lifecycleStatus": "completed"}
    assert content_hash(changed) != content_hash(GOAL)


def test_canonical_json_has_no_whitespace_and_keeps_unicode():
    text = canonical_json({"b": 1, "a": {"text": "Müller"}})
    assert text == '{"a":{"text":"Müller"},"b":1}'


def test_hash_does_not_modify_the_resource():
    stamped = {**GOAL, "meta": {"versionId": "7"}}
    content_hash(stamped)
    assert stamped["meta"] == {"versionId": "7"}


def test_hash_is_sha256_of_the_canonical_json():
    expected = hashlib.sha256(canonical_json(GOAL).encode("utf-8")).hexdigest()
    assert content_hash(GOAL) == expected
