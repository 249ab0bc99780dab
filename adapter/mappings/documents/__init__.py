"""Documents made from one case (pure functions, like the rest of the mappings).

- :func:`transition_document`: a FHIR ``document`` Bundle for a transition of care (a
  Composition with narrative sections, then everything it references) (``transition.py``,
  its sections in ``sections.py``, their narrative in ``narrative.py``);
- :func:`episode_bundle`: a ``collection`` Bundle of every resource of the case (``episode.py``);
- ``stamp.py``: the case version, the document identifier and date, so the same case version
  always gives the same bytes.

:func:`case_document` picks one by :class:`DocumentKind`.
"""

from __future__ import annotations

from enum import StrEnum

from adapter.mappings.datatypes import Json
from adapter.mappings.documents.episode import episode_bundle
from adapter.mappings.documents.transition import transition_document
from adapter.model.case import Case

__all__ = ["DocumentKind", "case_document", "episode_bundle", "transition_document"]


class DocumentKind(StrEnum):
    """The documents a case can be given as."""

    TRANSITION = "transition"
    EPISODE = "episode"


def case_document(
    case: Case, kind: DocumentKind, *, base_url: str, namespace: str | None = None
) -> Json:
    """The ``kind`` document of ``case``; resources get ``fullUrl`` under ``base_url``."""
    build = transition_document if kind is DocumentKind.TRANSITION else episode_bundle
    return build(case, base_url=base_url, namespace=namespace)
