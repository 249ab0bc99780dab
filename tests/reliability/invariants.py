"""The invariant every reliability test ends with: the server holds exactly the expected
resources (each once, under its identifier), and the ledger agrees with the server resource by
resource (id, versionId and content hash).

The server is read directly (never through the fault proxy), by the namespace's ``meta.tag``,
so a duplicate written under any other id would show up as an unexpected resource.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from adapter.canonical import CANONICAL_BASE
from adapter.fhir import FHIRClient
from adapter.mappings.bundle import case_to_resources
from adapter.mappings.namespace import tag_token
from adapter.model.validation import parse_case
from adapter.sync.hashing import content_hash
from adapter.sync.ledger import Ledger
from adapter.sync.ledger.records import ResourceKey

Key = tuple[str, str]
Resource = dict[str, Any]


def expected_resources(cases: Iterable[Mapping[str, Any]], namespace: str) -> dict[Key, Resource]:
    """What the mapping says the server must hold for these cases (latest version of each)."""
    found: dict[Key, Resource] = {}
    for case in cases:
        for resource in case_to_resources(parse_case(case), namespace=namespace):
            found[(resource["resourceType"], resource["id"])] = resource
    return found


async def server_holdings(
    client: FHIRClient, namespace: str, types: Iterable[str]
) -> dict[Key, Resource]:
    """Every resource of these types carrying the namespace's tag, by (type, id)."""
    held: dict[Key, Resource] = {}
    for kind in sorted(set(types)):
        query = {"_tag": tag_token(namespace), "_count": "1000"}
        async for resource in client.search(kind, query, no_cache=True):
            held[(kind, resource["id"])] = resource
    return held


@dataclass
class Landing:
    """How the server and the ledger compare with what should be there."""

    expected: int
    held: int
    missing: list[Key] = field(default_factory=list)
    unexpected: list[Key] = field(default_factory=list)
    duplicates: dict[str, list[Key]] = field(default_factory=dict)
    wrong_content: list[Key] = field(default_factory=list)
    ledger_mismatch: list[tuple[Key, str | None, str | None]] = field(default_factory=list)

    @property
    def exact(self) -> bool:
        return not (
            self.missing
            or self.unexpected
            or self.duplicates
            or self.wrong_content
            or self.ledger_mismatch
        )

    def describe(self) -> str:
        return (
            f"expected {self.expected}, held {self.held}; missing {self.missing[:5]} "
            f"({len(self.missing)}), unexpected {self.unexpected[:5]} ({len(self.unexpected)}), "
            f"duplicates {list(self.duplicates.items())[:5]} ({len(self.duplicates)}), "
            f"wrong content {self.wrong_content[:5]} ({len(self.wrong_content)}), "
            f"ledger mismatch {self.ledger_mismatch[:5]} ({len(self.ledger_mismatch)})"
        )


def compare(
    expected: Mapping[Key, Resource],
    held: Mapping[Key, Resource],
    ledger: Ledger,
    server_url: str,
) -> Landing:
    landing = Landing(expected=len(expected), held=len(held))
    landing.missing = sorted(set(expected) - set(held))
    landing.unexpected = sorted(set(held) - set(expected))
    by_identifier: dict[str, list[Key]] = defaultdict(list)
    for key, resource in held.items():
        for token in _adapter_identifiers(resource):
            by_identifier[token].append(key)
    landing.duplicates = {t: keys for t, keys in by_identifier.items() if len(keys) > 1}
    known = ledger.known(server_url, list(expected))
    for key in sorted(set(expected) & set(held)):
        on_server = held[key]
        if content_hash(on_server) != content_hash(expected[key]):
            landing.wrong_content.append(key)
        entry = known.get(ResourceKey(*key))
        version = str(on_server["meta"]["versionId"])
        recorded = entry.version_id if entry is not None else None
        same_hash = entry is not None and entry.content_hash == content_hash(on_server)
        if recorded != version or not same_hash:
            landing.ledger_mismatch.append((key, recorded, version))
    return landing


def _adapter_identifiers(resource: Mapping[str, Any]) -> list[str]:
    return [
        f"{resource['resourceType']}|{ident.get('system')}|{ident.get('value')}"
        for ident in resource.get("identifier") or []
        if str(ident.get("system", "")).startswith(CANONICAL_BASE)
    ]
