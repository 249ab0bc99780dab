"""FHIR R4 integration adapter for professional case management (CMSA Standards of Practice).

Rooms: ``model`` (the case record), ``mappings`` (case <-> FHIR resources), ``fhir`` (the HTTP
client, retries, auth), ``sync`` (ledger, push, pull), ``api`` (the HTTP service), ``cli``.
A layer imports only from those below it: cli > api > sync > mappings | fhir > model > settings
(checked by ``lint-imports``).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    # One source for the version: pyproject.toml, as installed.
    __version__ = version("cm-fhir-adapter")
except PackageNotFoundError:  # a source tree on sys.path without an install
    __version__ = "0+unknown"

__all__ = ["__version__"]
