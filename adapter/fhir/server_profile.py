"""What a FHIR server can do, learned once by ``adapter ping`` (see :mod:`adapter.fhir.preflight`).

A :class:`ServerProfile` holds what the CapabilityStatement declares and what harmless probes
found, each answer ``True`` (works), ``False`` (refused) or ``None`` (could not tell), with the
server's words in ``details``. From it follow the choices the adapter makes when the matching
setting is not given: how a pull reads changes, and the largest transaction a push sends.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["PROBE_SIZES", "ServerProfile"]

PROBE_SIZES = (10, 50, 100, 500)
"""Transaction sizes (entries of tiny Basic resources) the preflight tries, smallest first."""


@dataclass(frozen=True)
class ServerProfile:
    """One server's abilities, as found at ``learned_at`` (the server's own clock when known)."""

    server: str
    fhir_version: str | None
    software_name: str | None
    software_version: str | None
    learned_at: str
    transaction: bool | None = None
    batch: bool | None = None
    atomic: bool | None = None
    max_transaction_entries: int | None = None
    """The server's cap; None when every probed size (up to ``largest_probed``) was taken."""
    largest_probed: int = 0
    history_system: bool | None = None
    history_type: bool | None = None
    conditional_create: bool | None = None
    conditional_update: bool | None = None
    identifier_search: bool | None = None
    identifier_search_types: dict[str, bool] = field(default_factory=dict)
    """Per case resource type, whether ``?identifier=`` is searchable."""
    client_ids: bool | None = None
    write: str = "unknown"
    validate: bool | None = None
    writable_types: list[str] = field(default_factory=list)
    """The types the CapabilityStatement declares ``update`` for (empty: it lists none)."""
    declared: dict[str, bool] = field(default_factory=dict)
    """What the CapabilityStatement claims (e.g. ``history-system``, ``Task.identifier``)."""
    details: dict[str, str] = field(default_factory=dict)
    """Per probe, what was seen, in words (HTTP status, the server's diagnostics)."""

    @property
    def software(self) -> tuple[str | None, str | None, str | None]:
        """What must stay the same for the profile to hold: software, its version, FHIR version."""
        return (self.software_name, self.software_version, self.fhir_version)

    @property
    def pull_strategy(self) -> str | None:
        """How a pull should read changes here; None when the server offers no way."""
        if self.history_system:
            return "system-history"
        if self.history_type:
            return "type-history"
        if self.identifier_search:  # searches work; a pull searches by _lastUpdated and _tag
            return "search"
        return None

    @property
    def id_strategy(self) -> str:
        """``server`` when client-assigned ids are refused (the server names every resource),
        else ``client`` (PUT by the adapter's deterministic ids)."""
        return "server" if self.client_ids is False else "client"

    def choices(self) -> list[str]:
        """The adapter's choices for this server, one line each, as ``ping`` prints them."""
        pull = self.pull_strategy
        lines = [
            f"pull: {pull}" if pull else "pull: none (the server offers no way to read changes)"
        ]
        if self.max_transaction_entries is not None:
            lines.append(f"push: split at {self.max_transaction_entries} entries")
        else:
            lines.append(
                f"push: one transaction per case (no cap up to {self.largest_probed} entries)"
            )
        if self.atomic is False:
            lines.append("push: transactions are NOT atomic here; a failed one may leave part")
        if self.client_ids is False:
            lines.append(
                "push: server-assigned ids (client ids refused): conditional update by business "
                "identifier, the ledger keeps the server's ids"
            )
        if self.write != "allowed":
            lines.append(f"push: writing {self.write}")
        return lines

    def to_dict(self) -> dict[str, Any]:
        found = asdict(self)
        found["choices"] = {
            "pull_strategy": self.pull_strategy,
            "max_transaction_entries": self.max_transaction_entries,
            "id_strategy": self.id_strategy,
        }
        return found

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ServerProfile:
        """The profile stored by :meth:`to_dict` (unknown keys from other versions ignored)."""
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in names})
