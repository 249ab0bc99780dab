"""What a write, a Bundle entry or a validation returns, read from the server's answer."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from adapter.fhir import outcome as oo

__all__ = [
    "EntryResult",
    "ValidationResult",
    "WriteResult",
    "location_parts",
    "version_from_etag",
]

_HISTORY = re.compile(
    r"(?:^|/)(?P<type>[A-Z][A-Za-z]+)/(?P<id>[A-Za-z0-9\-.]{1,64})(?:/_history/(?P<vid>[^/]+))?/?$"
)
_ETAG = re.compile(r'^(?:W/)?"?(?P<vid>[^"]*)"?$')


def location_parts(location: str) -> tuple[str, str, str | None] | None:
    """``[base/]Type/id[/_history/vid]`` → (type, id, vid); None when it is not of that form."""
    match = _HISTORY.search(location.split("?", 1)[0])
    return (match.group("type"), match.group("id"), match.group("vid")) if match else None


def version_from_etag(etag: str | None) -> str | None:
    """``W/"3"`` → ``"3"``."""
    if not etag:
        return None
    match = _ETAG.match(etag.strip())
    return match.group("vid") if match and match.group("vid") else None


@dataclass(frozen=True)
class _Written:
    status: int
    resource: dict[str, Any] | None = None
    outcome: dict[str, Any] | None = None
    resource_type: str | None = None
    id: str | None = None
    version_id: str | None = None
    etag: str | None = None
    location: str | None = None
    storage_code: str | None = None
    issues: list[dict[str, Any]] = field(default_factory=list)

    @property
    def created(self) -> bool:
        """True when the write created a resource (201)."""
        return self.status == 201


def _fields(
    status: int, body: Mapping[str, Any] | None, location: str | None, etag: str | None
) -> dict[str, Any]:
    is_outcome = bool(body) and body.get("resourceType") == "OperationOutcome"  # type: ignore[union-attr]
    resource = dict(body) if body and not is_outcome else None
    outcome = dict(body) if body and is_outcome else None
    kind, named, vid = (location_parts(location) if location else None) or (None, None, None)
    meta = (resource or {}).get("meta") or {}
    return {
        "status": status,
        "resource": resource,
        "outcome": outcome,
        "resource_type": kind or (resource or {}).get("resourceType"),
        "id": named or (resource or {}).get("id"),
        "version_id": vid or version_from_etag(etag) or meta.get("versionId"),
        "etag": etag,
        "location": location,
        "storage_code": oo.storage_code(outcome),
        "issues": oo.issues_of(outcome),
    }


@dataclass(frozen=True)
class WriteResult(_Written):
    """A create, update or delete: status, ids and version, and the body the server chose to send:
    the resource with ``Prefer: return=representation``, an OperationOutcome with
    ``return=OperationOutcome`` (its ``storage_code`` says e.g. ``SUCCESSFUL_UPDATE_NO_CHANGE``)."""

    @classmethod
    def from_response(cls, response: httpx.Response, body: Mapping[str, Any] | None) -> WriteResult:
        location = response.headers.get("location") or response.headers.get("content-location")
        return cls(**_fields(response.status_code, body, location, response.headers.get("etag")))


@dataclass(frozen=True)
class EntryResult(_Written):
    """One entry of a batch or transaction response (``entry.response`` plus ``entry.resource``)."""

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @classmethod
    def from_entry(cls, entry: Mapping[str, Any]) -> EntryResult:
        response = entry.get("response") or {}
        status_text = str(response.get("status", "0")).strip()
        status = int(status_text.split(" ", 1)[0]) if status_text[:3].isdigit() else 0
        body = entry.get("resource") or response.get("outcome")
        fields = _fields(status, body, response.get("location"), response.get("etag"))
        if response.get("outcome") and entry.get("resource"):
            fields["outcome"] = dict(response["outcome"])
            fields["issues"] = oo.issues_of(response["outcome"])
            fields["storage_code"] = oo.storage_code(response["outcome"])
        return cls(**fields)


@dataclass(frozen=True)
class ValidationResult:
    """``$validate``'s answer: the OperationOutcome and whether it has an error or fatal issue."""

    outcome: dict[str, Any]
    status: int

    @property
    def issues(self) -> list[dict[str, Any]]:
        return oo.issues_of(self.outcome)

    @property
    def errors(self) -> list[dict[str, Any]]:
        return [i for i in self.issues if i.get("severity") in ("error", "fatal")]

    @property
    def valid(self) -> bool:
        return not self.errors
