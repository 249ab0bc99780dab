"""Checking each answer against the request it answers: a write is taken as done only when the
server's answer says, in a form that can be checked, that it wrote what was sent.

A transaction or batch answer must be a ``transaction-response`` / ``batch-response`` Bundle with
one entry per request entry, in order (FHIR R4 3.1.0.11.2). Every entry needs a status; in a
transaction every one must be 2xx (it is atomic: a 200 carrying a failed entry contradicts
itself). A written entry must name, by its ``location`` or its resource, the resource type and
id that was sent (base URL and ``_history/N`` aside), and its version must be readable (from the
location, the ETag or ``meta.versionId``). A single PUT or POST is held to the same rules.
Anything else is a :class:`ResponseError`: it can never be recorded as written.

Messages name entry numbers, methods, resource types and the ids we sent, never a value the
server made up (it may echo anything).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from adapter.errors import ResponseError
from adapter.fhir.results import EntryResult, WriteResult, location_parts

__all__ = ["Asked", "check_bundle_answer", "check_write"]

_WRITES = frozenset({"PUT", "POST"})


@dataclass(frozen=True)
class Asked:
    """What one request (or Bundle entry) asked for: method, resource type, and the id when the
    request names one (``PUT Type/id``; a create or conditional update leaves it to the server).
    """

    method: str
    resource_type: str | None
    resource_id: str | None

    @classmethod
    def from_entry(cls, entry: Mapping[str, Any]) -> Asked:
        raw = entry.get("request")
        request: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
        method = str(request.get("method") or "").upper()
        path = str(request.get("url") or "").split("?", 1)
        segments = [part for part in path[0].split("/") if part]
        kind = segments[0] if segments else None
        # ``Type/id`` names the resource; ``Type?criteria`` and ``Type`` leave the id open.
        named = segments[1] if len(segments) == 2 and len(path) == 1 else None
        return cls(method, kind, named)

    def describe(self) -> str:
        target = "/".join(part for part in (self.resource_type, self.resource_id) if part)
        return f"{self.method} {target}".rstrip()


def check_bundle_answer(
    sent: Mapping[str, Any], answer: Mapping[str, Any], kind: str, *, url: str
) -> list[EntryResult]:
    """The entry results of ``answer`` to the ``kind`` Bundle ``sent``, each checked against
    its request; :class:`ResponseError` if the answer cannot be matched to what was sent."""
    requests = [e for e in sent.get("entry") or [] if isinstance(e, Mapping)]
    entries = answer.get("entry") or []
    if answer.get("resourceType") != "Bundle" or answer.get("type") != f"{kind}-response":
        raise _error(f"expected a {kind}-response Bundle", url)
    if not isinstance(entries, list) or len(entries) != len(requests):
        count = len(entries) if isinstance(entries, list) else "no list of"
        raise _error(f"{kind}-response has {count} entries for {len(requests)} sent", url)
    results = []
    for number, (request, entry) in enumerate(zip(requests, entries, strict=True), start=1):
        where = f"entry {number}"
        if not isinstance(entry, Mapping) or not isinstance(entry.get("response"), Mapping):
            raise _error(f"{where}: no response", url)
        asked = Asked.from_entry(request)
        result = EntryResult.from_entry(entry)
        if result.status == 0:
            raise _error(f"{where} ({asked.describe()}): no readable response.status", url)
        if kind == "transaction" and not result.ok:
            raise _error(
                f"{where} ({asked.describe()}): status {result.status} inside a transaction "
                "the server answered as a success",
                url,
            )
        if result.ok:
            _check_written(asked, result, where=f"{where} ({asked.describe()})", url=url)
        results.append(result)
    return results


def check_write(asked: Asked, result: WriteResult, *, url: str) -> WriteResult:
    """``result`` if it answers ``asked`` (a single PUT, POST or DELETE); else ResponseError."""
    if not 200 <= result.status < 300:
        problem = f"{asked.describe()}: HTTP {result.status} is not a success"
        raise _error(problem, url, asked.method)
    if asked.method == "PUT" and asked.resource_id is not None and not _named(result):
        # FHIR asks an update's answer for an ETag, not a location: with return=minimal a
        # server may send only that, and the URL of the PUT names what was written.
        kind, named = asked.resource_type, asked.resource_id
        result = replace(result, location=f"{kind}/{named}", resource_type=kind, id=named)
    _check_written(asked, result, where=asked.describe(), url=url, method=asked.method)
    return result


def _check_written(
    asked: Asked,
    result: EntryResult | WriteResult,
    *,
    where: str,
    url: str,
    method: str = "POST",
) -> None:
    if asked.method not in _WRITES:
        return
    named = _named(result)
    problem = None
    if not named:
        problem = "has neither a location nor a resource"
    for kind, resource_id in named:
        if asked.resource_type is not None and kind != asked.resource_type:
            problem = problem or f"names a {kind}"
        elif not resource_id:
            problem = problem or "names no id"
        elif asked.resource_id is not None and resource_id != asked.resource_id:
            problem = problem or f"names another {kind}"
    if problem is None and not result.version_id:
        problem = "has no version (no _history in the location, no ETag, no meta.versionId)"
    if problem is not None:
        raise _error(f"{where}: the answer {problem}", url, method)


def _named(result: EntryResult | WriteResult) -> Sequence[tuple[str, str | None]]:
    """(type, id) as the location says, and as the returned resource says; both must agree
    with the request. A location that is there but unreadable names nothing we sent."""
    named: list[tuple[str, str | None]] = []
    if result.location:
        parts = location_parts(result.location)
        named.append(parts[:2] if parts else ("location that is not Type/id", None))
    if result.resource is not None:
        body = result.resource
        named.append((str(body.get("resourceType")), _text(body.get("id"))))
    return named


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _error(message: str, url: str, method: str = "POST") -> ResponseError:
    return ResponseError(message, method=method, url=url)
