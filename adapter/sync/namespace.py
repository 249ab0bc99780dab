"""Which namespace this installation writes under.

Namespaces are for shared sandboxes. In order:

1. ``ADAPTER_NAMESPACE`` when set (always wins);
2. the namespace this ledger already keeps (an installation never switches ids under its feet);
3. on a public sandbox (``ADAPTER_PROFILE=public``, or ``auto`` on a known public host) a random
   one, created once and kept in the ledger, with a warning to set ``ADAPTER_NAMESPACE`` to it
   (a lost ledger would otherwise make a new one, and a second copy of every case);
4. otherwise none: the plain deterministic ids and identifier systems. A hospital's EHR or a
   payer's server never gets a namespace it did not ask for, and a lost ledger writes to the
   same ids again instead of creating copies.
"""

from __future__ import annotations

import logging
import secrets
from typing import Final, Protocol

from adapter.politeness import profile_name
from adapter.settings import Settings

__all__ = ["NAMESPACE_KEY", "new_namespace", "resolve_namespace"]

log = logging.getLogger("adapter.sync")

#: The ledger ``settings_kv`` key that holds the namespace this installation writes under.
NAMESPACE_KEY: Final = "namespace"


class _Settings(Protocol):
    def get_setting(self, key: str) -> str | None: ...

    def ensure_setting(self, key: str, default: str) -> str: ...


def new_namespace() -> str:
    """A fresh random namespace, e.g. ``sbx-3f9c0a1b2d`` (40 bits: collisions are unlikely)."""
    return f"sbx-{secrets.token_hex(5)}"


def resolve_namespace(settings: Settings, ledger: _Settings) -> str | None:
    """The namespace to write under (None: none at all); see the module's rules."""
    if settings.namespace is not None:
        return settings.namespace
    kept = ledger.get_setting(NAMESPACE_KEY)
    if kept is not None or profile_name(settings) != "public":
        return kept
    made = ledger.ensure_setting(NAMESPACE_KEY, new_namespace())
    log.warning(
        "public sandbox: writing under the new namespace %s, kept in this ledger; set "
        "ADAPTER_NAMESPACE=%s so a new or lost ledger writes to the same resources",
        made,
        made,
    )
    return made
