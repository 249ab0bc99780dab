"""Translating what crosses a server that assigns ids: the server's ids back to the adapter's
deterministic ones in answers and pages, the adapter's to the server's in search parameters.
Pure functions over an :class:`adapter.sync.idmap.IdMap` (:mod:`adapter.sync.server_ids` uses
them at the wire).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, TypeVar

from adapter.fhir.client import Params
from adapter.fhir.results import EntryResult, WriteResult, location_parts
from adapter.sync.idmap import IdMap
from adapter.sync.ledger.records import ResourceKey

__all__ = ["NO_CHANGE", "local_page", "local_url", "localized", "server_id", "server_params"]

NO_CHANGE = "SUCCESSFUL_UPDATE_NO_CHANGE"
Resource = dict[str, Any]
_Result = TypeVar("_Result", EntryResult, WriteResult)


def server_id(ids: IdMap, resource_type: str, resource_id: str) -> str:
    """The server's id for one of ours (ours when the server has not named it)."""
    return ids.server_id((resource_type, resource_id)) or resource_id


def localized(ids: IdMap, result: _Result, key: ResourceKey) -> _Result:
    """``result`` as if the resource had been written under our id."""
    parts = location_parts(result.location) if result.location else None
    location = result.location
    if parts is not None:
        version = f"/_history/{parts[2]}" if parts[2] else ""
        location = f"{key[0]}/{key[1]}{version}"
    code = result.storage_code
    if code and code.endswith("_NO_CHANGE"):
        code = NO_CHANGE  # a conditional update that matched and changed nothing
    return dataclasses.replace(
        result,
        id=key[1] if result.id else None,
        location=location,
        resource=ids.to_local(result.resource) if result.resource else None,
        storage_code=code,
    )


def server_params(ids: IdMap, resource_type: str, params: Params | None) -> Params | None:
    """Search parameters with our ids in ``_id`` replaced by the server's."""
    if params is None:
        return None
    pairs = list(params.items()) if isinstance(params, Mapping) else list(params)
    out: list[tuple[str, str]] = []
    for name, value in pairs:
        values = [value] if isinstance(value, str) else list(value)
        for item in values:
            if name == "_id":
                item = ",".join(server_id(ids, resource_type, one) for one in item.split(","))
            out.append((name, item))
    return out


def local_page(ids: IdMap, page: Mapping[str, Any]) -> Resource:
    """A searchset or history page with the server's ids read back as ours."""
    entries = []
    for entry in page.get("entry") or []:
        entry = dict(entry)
        if isinstance(entry.get("resource"), Mapping):
            entry["resource"] = ids.to_local(entry["resource"])
        for field, holder in (("fullUrl", entry), ("url", entry.get("request"))):
            if isinstance(holder, dict) and isinstance(holder.get(field), str):
                holder = entry if holder is entry else dict(holder)
                holder[field] = local_url(ids, holder[field])
                if holder is not entry:
                    entry["request"] = holder
        entries.append(entry)
    return {**page, "entry": entries} if "entry" in page else dict(page)


def local_url(ids: IdMap, text: str) -> str:
    """``Type/<server id>[/_history/v]`` as ``Type/<our id>[...]``; anything else unchanged."""
    parts = location_parts(text)
    if parts is None:
        return text
    local = ids.local_id(parts[0], parts[1])
    if local is None:
        return text
    version = f"/_history/{parts[2]}" if parts[2] else ""
    return f"{parts[0]}/{local}{version}"
