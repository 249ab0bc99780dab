"""The HTTP service (``adapter serve``): cases in, sync runs, FHIR notifications, metrics."""

from __future__ import annotations

from adapter.api.app import create_app

__all__ = ["create_app"]
