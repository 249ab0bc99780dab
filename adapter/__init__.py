"""FHIR R4 integration adapter for professional case management (CMSA Standards of Practice)."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
