"""Linking a case to the EHR's own Patient, found on the server by an identifier.

A client with ``match_existing`` (and no ``fhir_id``) is looked up once per server by its first
identifier that has a system (``Patient?identifier=<system>|<value>``); the Patient's id is kept
in the ledger (under a hash of the server, system and value: no identifier in the key) and put
into the case as ``client.fhir_id``, so the mapping references that Patient and never writes
one. No match, or more than one, fails the case (``invalid-input``) with a message that names
the field and the reason, never the identifier: a retry after the EHR registered the patient
links it.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
from typing import Any

from adapter.errors import InputError
from adapter.fhir.client import FHIRClient
from adapter.sync.ledger import Ledger

__all__ = ["link_existing"]


async def link_existing(client: FHIRClient, ledger: Ledger, case_id: str, document: Any) -> Any:
    """``document`` with ``client.fhir_id`` filled in when its client asks to be matched to an
    existing Patient; the document itself when not (or when it cannot be read: validation
    reports that)."""
    person = document.get("client") if isinstance(document, dict) else None
    if not isinstance(person, dict) or person.get("match_existing") is not True:
        return document
    if person.get("fhir_id"):
        return document
    found = _matching(person)
    if found is None:
        return document  # validation names the missing system
    position, system, value = found
    key = (
        "patient-link|" + hashlib.sha256(f"{client.base.url}|{system}|{value}".encode()).hexdigest()
    )
    patient_id = await asyncio.to_thread(ledger.get_setting, key)
    if patient_id is None:
        patient_id = await _search(client, case_id, position, system, value)
        await asyncio.to_thread(ledger.set_setting, key, patient_id)
    linked = copy.deepcopy(document)
    linked["client"]["fhir_id"] = patient_id
    return linked


def _matching(person: dict[str, Any]) -> tuple[int, str, str] | None:
    for position, item in enumerate(person.get("identifiers") or []):
        if isinstance(item, dict) and item.get("system") and item.get("value"):
            return position, str(item["system"]), str(item["value"])
    return None


async def _search(client: FHIRClient, case_id: str, position: int, system: str, value: str) -> str:
    params = {"identifier": f"{system}|{value}", "_elements": "id", "_count": "2"}
    ids = [str(r.get("id")) async for r in client.search("Patient", params, no_cache=True)]
    if len(ids) == 1:
        return ids[0]
    where = f"client.identifiers[{position}]"
    reason = (
        f"no Patient on the server has the identifier {where} (system {system})"
        if not ids
        else f"several Patients on the server have the identifier {where}: link one by fhir_id"
    )
    raise InputError(record=f"case {case_id}", field="client.match_existing", reason=reason)
