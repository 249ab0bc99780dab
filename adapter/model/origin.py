"""Where an imported case came from: the server another system wrote it on, and what it read."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from adapter.model.base import Record

__all__ = ["CaseOrigin", "SourceResource"]

#: ``<Type>/<id>`` as on the source server.
SourceKey = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Za-z]{1,63}/[A-Za-z0-9.-]{1,64}$")]
Url = Annotated[str, StringConstraints(pattern=r"^https?://\S{1,2000}$")]


class SourceResource(Record):
    """One resource of the source server the case was read from, at the version read."""

    resource: SourceKey
    version: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9.-]{1,64}$")] | None = None


class CaseOrigin(Record):
    """Set by ``adapter import``: the server the case was read from, the organization that
    wrote it there (``Organization/<id>`` on that server, when known) and the resources read.
    A push of the case re-serves that data: its Provenance says so (US edition)."""

    server: Url
    organization: SourceKey | None = None
    resources: tuple[SourceResource, ...] = Field(default=(), max_length=5000)
