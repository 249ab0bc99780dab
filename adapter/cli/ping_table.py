"""How ``adapter ping`` shows a server profile: one row per ability, what the server declares,
what the probes found, in its own words; then the choices the adapter makes."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from adapter.fhir.server_profile import ServerProfile

__all__ = ["profile_table"]

# (row label, profile attribute, CapabilityStatement claim or None)
_ROWS = (
    ("transaction", "transaction", "transaction"),
    ("batch", "batch", "batch"),
    ("atomic transactions", "atomic", None),
    ("largest transaction", "max_transaction_entries", None),
    ("system _history", "history_system", "history-system"),
    ("type _history (Task)", "history_type", "Task.history-type"),
    ("conditional create", "conditional_create", "Basic.conditionalCreate"),
    ("conditional update", "conditional_update", "Basic.conditionalUpdate"),
    ("search by identifier", "identifier_search", "Task.identifier"),
    ("client-assigned ids", "client_ids", None),
    ("write", "write", None),
    ("$validate", "validate", None),
)


def _mark(value: object) -> str:
    if value is True or value == "allowed":
        return "[green]yes[/green]"
    if value is False or value == "refused":
        return "[red]no[/red]"
    if value is None or value == "unknown":
        return "[yellow]?[/yellow]"
    return escape(str(value))


def profile_table(profile: ServerProfile) -> Table:
    table = Table(title="compatibility", title_justify="left")
    for column in ("ability", "declared", "found", "detail"):
        table.add_column(column, justify="center" if column in ("declared", "found") else "left")
    for label, attribute, claim in _ROWS:
        value = getattr(profile, attribute)
        if attribute == "max_transaction_entries" and value is None and profile.largest_probed:
            found = f"≥ {profile.largest_probed}"
        else:
            found = _mark(value)
        declared = "" if claim is None else _mark(profile.declared.get(claim, False))
        detail = escape(profile.details.get(attribute, ""))
        table.add_row(label, declared, found, detail)
        if attribute == "identifier_search":
            table.add_row(*_per_type(profile))
    return table


def _per_type(profile: ServerProfile) -> tuple[str, str, str, str]:
    types = profile.identifier_search_types
    declared = sum(profile.declared.get(f"{kind}.identifier", False) for kind in types)
    refused = [kind for kind, ok in types.items() if not ok]
    detail = f"refused for {', '.join(refused)}" if refused else ", ".join(types)
    found = f"{len(types) - len(refused)}/{len(types)}" if types else _mark(None)
    return "  … per case type", f"{declared}/{len(types)}", found, escape(detail)
