"""The owner history and the financial result of a task <-> parts of the Task.

- Owner history: one ``task-owner-history`` extension per owner, in order, each with ``owner``
  (valueReference to the care team member) and ``period`` (valuePeriod: from, to). R4 keeps no
  history of ``Task.owner`` other than the server's versions, which a case-management system
  never sees; ``Task.owner`` stays the current owner.
- Financial result (a rate negotiation, a coverage exception): one ``Task.output`` per amount,
  ``type`` coded in the local CodeSystem ``financial-amount`` (``billed``, ``negotiated``,
  ``savings``), ``valueMoney`` with the amount exactly as given and its ISO 4217 currency.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapter.errors import MappingError
from adapter.mappings.context import Index, Refs, amount, fhir_number
from adapter.mappings.datatypes import (
    Json,
    codeable_concept,
    compact,
    fhir_date,
    find_coding,
    parse_date,
    period,
    required,
)
from adapter.mappings.extensions import TASK_OWNER_HISTORY
from adapter.mappings.terminology import table
from adapter.model.codes import FinancialAmount
from adapter.model.task import FinancialResult, OwnerAssignment, Task

__all__ = ["financial_from_fhir", "financial_to_fhir", "owners_from_fhir", "owners_to_fhir"]


def owners_to_fhir(task: Task, refs: Refs) -> list[Json]:
    return [
        {
            "url": TASK_OWNER_HISTORY,
            "extension": [
                {"url": "owner", "valueReference": refs.member(entry.owner_id)},
                {
                    "url": "period",
                    "valuePeriod": period(fhir_date(entry.start), fhir_date(entry.end)),
                },
            ],
        }
        for entry in task.owner_history
    ]


def owners_from_fhir(task: Mapping[str, Any], *, index: Index) -> tuple[OwnerAssignment, ...]:
    where = f"Task/{task.get('id')}"
    out = []
    for item in task.get("extension", []):
        if item.get("url") != TASK_OWNER_HISTORY:
            continue
        parts = {part.get("url"): part for part in item.get("extension", [])}
        element = "extension[task-owner-history]"
        owner = index.lookup_any((parts.get("owner") or {}).get("valueReference"), where=element)
        span = (parts.get("period") or {}).get("valuePeriod") or {}
        start = parse_date(span.get("start"), where=f"{element}.period.start")
        entry = {
            "owner_id": required(owner, resource=where, element=f"{element}.owner"),
            "from": required(start, resource=where, element=f"{element}.period.start"),
            "to": parse_date(span.get("end"), where=f"{element}.period.end"),
        }
        out.append(OwnerAssignment.model_validate(entry))
    return tuple(out)


def financial_to_fhir(result: FinancialResult | None) -> list[Json]:
    if result is None:
        return []
    amounts = table("financial-amount")
    values = [
        (FinancialAmount.BILLED, result.billed),
        (FinancialAmount.NEGOTIATED, result.negotiated),
        (FinancialAmount.SAVINGS, result.savings),
    ]
    return [
        compact(
            {
                "type": codeable_concept(amounts.to_fhir(kind).coding()),
                "valueMoney": {"value": fhir_number(value), "currency": result.currency},
            }
        )
        for kind, value in values
        if value is not None
    ]


def financial_from_fhir(task: Mapping[str, Any]) -> FinancialResult | None:
    where = f"Task/{task.get('id')}"
    amounts = table("financial-amount")
    found: dict[str, Any] = {}
    currencies = set()
    for output in task.get("output", []):
        coding = find_coding(output.get("type"), amounts.system)
        if coding is None or "valueMoney" not in output:
            continue
        kind = amounts.from_fhir(coding["code"], resource=where, element="Task.output.type")
        money = output["valueMoney"]
        found[kind] = amount(money.get("value"), where="Task.output.valueMoney.value")
        currencies.add(money.get("currency"))
    if not found:
        return None
    if len(currencies) != 1 or None in currencies:
        raise MappingError(
            "the amounts of a financial result need one currency",
            resource=where,
            element="Task.output.valueMoney.currency",
        )
    return FinancialResult(currency=str(currencies.pop()), **found)
