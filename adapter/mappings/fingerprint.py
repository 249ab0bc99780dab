"""The mapping fingerprint: which code turned cases into resources.

Two pushes of the same case document produce the same resources exactly when the model, the
mapping code, its tables and the namespace are the same. The fingerprint names that
combination, so the push engine can tell a case it has already pushed in full from one that
must be mapped again (after an upgrade, a code-table edit or a namespace change).
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

import adapter
from adapter.canonical import identifier_base
from adapter.realm import current_organization, current_realm

__all__ = ["mapping_fingerprint"]

_PACKAGE = Path(__file__).resolve().parent.parent
_SOURCES = ("mappings", "model", "canonical.py", "realm.py")


@cache
def _code_digest() -> str:
    digest = hashlib.sha256(adapter.__version__.encode())
    for name in _SOURCES:
        root = _PACKAGE / name
        files = sorted(root.rglob("*")) if root.is_dir() else [root]
        for path in files:
            if path.suffix in (".py", ".json") and path.is_file():
                digest.update(path.relative_to(_PACKAGE).as_posix().encode())
                digest.update(b"\0")
                digest.update(path.read_bytes())
    return digest.hexdigest()


def mapping_fingerprint(namespace: str | None) -> str:
    """A short hex name for (adapter version, model + mapping sources, identifier base,
    namespace, realm edition and, in the US edition, the configured organization)."""
    realm = "" if current_realm() == "base" else f"|{current_realm()}|{current_organization()}"
    seed = f"{_code_digest()}|{identifier_base()}|{namespace or ''}{realm}".encode()
    return hashlib.sha256(seed).hexdigest()[:32]
