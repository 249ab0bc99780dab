"""A case as one ``collection`` Bundle: everything the mapping writes for it, like R6's
EpisodeOfCare ``$everything``.

The resources are exactly :func:`adapter.mappings.bundle.case_to_resources` (in the namespace
given, as a push writes them), each with ``fullUrl`` ``<server base>/<Type>/<id>``; the
identifier and timestamp follow the case version (:mod:`.stamp`).
"""

from __future__ import annotations

from adapter.mappings.bundle import case_to_resources
from adapter.mappings.datatypes import Json
from adapter.mappings.documents.stamp import as_of, case_version, document_uuid, instant
from adapter.mappings.documents.transition import document_entries
from adapter.model.case import Case

__all__ = ["episode_bundle"]


def episode_bundle(case: Case, *, base_url: str, namespace: str | None = None) -> Json:
    """The ``collection`` Bundle of every resource of ``case`` (pure: same case, same bytes)."""
    resources = case_to_resources(case, namespace=namespace)
    return {
        "resourceType": "Bundle",
        "identifier": {
            "system": "urn:ietf:rfc:3986",
            "value": document_uuid(case.id, "episode", namespace or "", case_version(case)),
        },
        "type": "collection",
        "timestamp": instant(as_of(case)),
        "entry": document_entries(resources, base_url=base_url),
    }
