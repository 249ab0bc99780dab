"""The FHIR transport layer: REST, retries, auth and failure; it knows nothing about cases.

Use :func:`open_client` to get a :class:`FHIRClient` built from settings.
"""

from __future__ import annotations

from adapter.fhir.client import BundleResult, FHIRClient
from adapter.fhir.factory import open_client, probe_capabilities
from adapter.fhir.results import EntryResult, ValidationResult, WriteResult
from adapter.fhir.retry import RetryPolicy

__all__ = [
    "BundleResult",
    "EntryResult",
    "FHIRClient",
    "RetryPolicy",
    "ValidationResult",
    "WriteResult",
    "open_client",
    "probe_capabilities",
]
