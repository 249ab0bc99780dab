"""Repair: send again what a server lost, and only that, one transaction per case."""

from __future__ import annotations

import asyncio
import logging

from adapter.fhir.client import FHIRClient
from adapter.sync.ledger import Ledger
from adapter.sync.push.outcomes import PushReport
from adapter.sync.push.run import CaseInput, push_cases
from adapter.sync.push.verify import VerifyReport

__all__ = ["repair"]

log = logging.getLogger("adapter.sync.verify")


async def repair(
    client: FHIRClient, ledger: Ledger, report: VerifyReport, *, namespace: str | None
) -> PushReport | None:
    """Send again what ``report`` found missing, and only that: forget those entries, then push
    each affected case from the case store (one transaction per case). None: nothing missing.

    A resource the server holds at an older version than recorded (a restore undid the later
    writes) counts as missing: what this adapter last wrote is gone from the server."""
    broken = [check for check in report.cases if check.missing or check.older]
    if not broken:
        return None
    keys = [key for check in broken for key in (*check.missing, *check.older)]
    await asyncio.to_thread(ledger.forget, report.server, keys)
    inputs: list[CaseInput] = []
    for check in broken:
        stored = await asyncio.to_thread(ledger.get_case, check.case_id)
        if stored is None or stored.document is None:
            log.warning("case %s: no stored copy to repair from; push it again", check.case_id)
            continue
        inputs.append(CaseInput(check.case_id, stored.document, stored.source))
    return await push_cases(inputs, client=client, ledger=ledger, namespace=namespace)
