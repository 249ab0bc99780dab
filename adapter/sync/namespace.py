"""Which namespace this installation writes under: the setting, else the one the ledger keeps.

Without ``ADAPTER_NAMESPACE`` the first run creates a random namespace and stores it in the
ledger, so every later run (and every process sharing the ledger) writes to the same place,
while another developer's ledger gets a different one.
"""

from __future__ import annotations

import secrets
from typing import Final, Protocol

from adapter.settings import Settings

__all__ = ["NAMESPACE_KEY", "new_namespace", "resolve_namespace"]

#: The ledger ``settings_kv`` key that holds the generated namespace.
NAMESPACE_KEY: Final = "namespace"


class _Settings(Protocol):
    def ensure_setting(self, key: str, default: str) -> str: ...


def new_namespace() -> str:
    """A fresh random namespace, e.g. ``sbx-3f9c0a1b2d`` (40 bits: collisions are unlikely)."""
    return f"sbx-{secrets.token_hex(5)}"


def resolve_namespace(settings: Settings, ledger: _Settings) -> str:
    """``ADAPTER_NAMESPACE`` if set; else the ledger's, created and stored on first use."""
    if settings.namespace is not None:
        return settings.namespace
    return ledger.ensure_setting(NAMESPACE_KEY, new_namespace())
