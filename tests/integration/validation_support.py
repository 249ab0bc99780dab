"""Validation on the real HAPI: load the FHIR package in profiles/, ``$validate`` resources.

Shared by the profile tests (hand-made and golden resources) and the wire test (what a push
really wrote, read back from the server).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import httpx

from adapter.fhir.json_body import dumps
from adapter.profiles import load_package

__all__ = [
    "FHIR_JSON",
    "ValidationTally",
    "describe",
    "errors",
    "package_server",
    "upload_package",
    "validate",
]

FHIR_JSON = "application/fhir+json"
ERRORS = {"error", "fatal"}


def upload_package(client: httpx.Client) -> None:
    """PUT every artifact of profiles/ to the server (terminology first, profiles last)."""
    for resource in load_package().resources:
        path = f"{resource['resourceType']}/{resource['id']}"
        answer = client.put(path, content=json.dumps(resource))
        assert answer.status_code in (200, 201), (path, answer.text[:2000])


@contextmanager
def package_server(fhir_base_url: str, *, timeout: float = 120) -> Iterator[httpx.Client]:
    """A client to the test server, which holds the package by the time it is handed out."""
    headers = {"Accept": FHIR_JSON, "Content-Type": FHIR_JSON}
    base = fhir_base_url.rstrip("/") + "/"
    with httpx.Client(base_url=base, headers=headers, timeout=timeout) as client:
        upload_package(client)
        yield client


def validate(
    client: httpx.Client, resource: Mapping[str, Any], profile: str | None
) -> list[dict[str, Any]]:
    """The issues HAPI's ``$validate`` reports for ``resource`` (against ``profile`` if given).

    The resource is the body and the profile a URL parameter: HAPI 8.8 mishandles the
    Parameters form (a ``valueUri`` profile is looked up as ``UriType[...]``, a ``valueString``
    one is applied to the Parameters resource itself).
    """
    params = {"profile": profile} if profile is not None else {}
    # dumps: exact decimals (a MeasureReport's amounts) go as written.
    answer = client.post(
        f"{resource['resourceType']}/$validate", content=dumps(resource), params=params
    )
    # HAPI 8.8 answers 200 either way; the spec lets a server answer 412 for an invalid one.
    assert answer.status_code in (200, 412), answer.text[:2000]
    outcome = answer.json()
    assert outcome["resourceType"] == "OperationOutcome"
    return list(outcome.get("issue", []))


def errors(issues: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [issue for issue in issues if issue["severity"] in ERRORS]


def describe(issue: Mapping[str, Any]) -> str:
    where = ",".join(issue.get("expression", issue.get("location", [])))
    return f"{issue['severity']} {where}: {issue.get('diagnostics', '')}"


class ValidationTally:
    """Errors (each named by resource) and warnings (counted per type and message) found when
    validating resources against the profiles in their ``meta.profile`` (the base resource when
    they claim none)."""

    def __init__(self) -> None:
        self.resources = 0
        self.errors: list[str] = []
        self.warnings: Counter[str] = Counter()

    def check(self, client: httpx.Client, resources: Iterable[Mapping[str, Any]]) -> None:
        for resource in resources:
            self.resources += 1
            name = f"{resource['resourceType']}/{resource.get('id', '?')}"
            for profile in resource.get("meta", {}).get("profile", [None]):
                for issue in validate(client, resource, profile):
                    if issue["severity"] in ERRORS:
                        self.errors.append(f"{name}: {describe(issue)}")
                    elif issue["severity"] == "warning":
                        # Same message on many resources of a type: count it once per type.
                        self.warnings[f"{resource['resourceType']}: {describe(issue)}"] += 1

    def report(self, title: str) -> str:
        lines = [
            f"{title}: {self.resources} resources, {len(self.errors)} errors, "
            f"{sum(self.warnings.values())} warnings:"
        ]
        lines += [f"  {count:3d} x {line}" for line, count in sorted(self.warnings.items())]
        return "\n".join(lines)
