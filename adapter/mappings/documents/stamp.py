"""What makes a document the same document: its case version, identifier and date.

A document must come out byte for byte the same for the same version of a case, so nothing in
it comes from the clock. The *version* of a case is a hash of its content (the case as the
model holds it, keys sorted); the document's identifier is a uuid5 of the case, the kind of
document, the namespace and that version; its date is the last moment the case records (the
latest of its dates and times: opened, screened, assessed, revised, noted, closed ...). A
changed case is a new version: a new identifier, and the date of what changed if it is later.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, time

from adapter.mappings.ids import uuid5_hex
from adapter.model.case import Case

__all__ = ["as_of", "case_version", "document_uuid", "instant"]


def case_version(case: Case) -> str:
    """A hash of the case's content (16 hex digits): equal for equal cases, whatever order or
    source the case came in."""
    body = json.dumps(case.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()[:16]


def document_uuid(*parts: str) -> str:
    """A ``urn:uuid:`` derived from ``parts`` (stable across runs and machines)."""
    h = uuid5_hex("document/" + "/".join(p.replace("/", "%2F") for p in parts))
    return f"urn:uuid:{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def as_of(case: Case) -> datetime:
    """The latest moment the case records, in UTC (a date counts as its midnight UTC)."""
    return max(_moments(case))


def instant(moment: datetime) -> str:
    """A FHIR instant in UTC, to the second: ``2024-06-30T14:00:00Z``."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _moments(case: Case) -> Iterator[datetime]:
    dates: list[date | None] = [case.opened_on, case.closed_on, case.referral.received_on]
    if case.screening is not None:
        dates.append(case.screening.screened_on)
    dates += [c.recorded_on for c in case.consents]
    dates += [a.performed_on for a in case.assessments]
    dates += [d for n in case.needs for d in (n.identified_on, n.resolved_on)]
    dates += [o.measured_on for o in case.outcomes]
    if case.plan is not None:
        dates.append(case.plan.created_on)
        dates += [r.revised_on for r in case.plan.revisions]
        for goal in case.plan.goals:
            dates += [goal.start_date, goal.status_date]
            dates += [p.recorded_on for p in goal.progress]
    yield from (datetime.combine(d, time(0), tzinfo=UTC) for d in dates if d is not None)
    yield from (n.recorded_at.astimezone(UTC) for n in case.notes)
    yield from (t.created_at.astimezone(UTC) for t in case.tasks)
