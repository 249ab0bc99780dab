"""Documents written when a case closes (``ADAPTER_DOCUMENTS_ON_CLOSE``, ``_DIR``).

When a closed version of a case is accepted (a push of a file, or ``POST /cases``), its
``transition`` or ``episode`` document (:mod:`adapter.mappings.documents`) is written to
``<dir>/<case id>.<kind>.<version>.json``, where the version is the case's content hash: the
same version always gives the same file with the same bytes, so accepting it again rewrites
nothing new, and a later change to the closed case (a corrected closure note) adds a file.
A transfer is a closure (reason ``transferred``), so it is covered. Written to a temporary file
and renamed, so a reader never sees half a document. A write that fails is logged (case id,
directory, the system's reason) and the case goes on: the document is a by-product of
accepting the case, never a reason to refuse it. The document itself is never logged.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from adapter.fhir.json_body import dumps_text
from adapter.mappings.documents import DocumentKind, case_document
from adapter.mappings.documents.stamp import case_version
from adapter.model.case import Case
from adapter.model.codes import CaseStatus
from adapter.settings import Settings

__all__ = ["ClosureDocuments"]

log = logging.getLogger("adapter.sync.documents")


@dataclass(frozen=True)
class ClosureDocuments:
    """Where and which document to write for each closed case version accepted."""

    kind: DocumentKind
    directory: Path
    base_url: str
    namespace: str | None = None

    @classmethod
    def from_settings(
        cls, settings: Settings, *, namespace: str | None = None
    ) -> ClosureDocuments | None:
        """The configured documents, or None when ``ADAPTER_DOCUMENTS_ON_CLOSE`` is unset."""
        if settings.documents_on_close is None or settings.documents_dir is None:
            return None
        return cls(
            DocumentKind(settings.documents_on_close),
            settings.documents_dir,
            settings.fhir_base_url,
            namespace if namespace is not None else settings.namespace,
        )

    def path_for(self, case: Case) -> Path:
        return self.directory / f"{case.id}.{self.kind.value}.{case_version(case)}.json"

    def accepted(self, case: Case) -> Path | None:
        """Write the document of ``case`` if it is closed; the file written, else None."""
        if case.status is not CaseStatus.CLOSED:
            return None
        path = self.path_for(case)
        text = dumps_text(
            case_document(case, self.kind, base_url=self.base_url, namespace=self.namespace)
        )
        partial = path.with_name(f".{path.name}.partial")
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            partial.write_text(text + "\n", encoding="utf-8")
            os.replace(partial, path)
        except OSError as exc:
            log.warning(
                "case %s: the %s document could not be written to %s (%s)",
                case.id,
                self.kind.value,
                self.directory,
                exc.strerror or type(exc).__name__,
                extra={"event": "document_failed", "case_id": case.id},
            )
            return None
        log.info(
            "case %s: %s document written",
            case.id,
            self.kind.value,
            extra={"event": "document_written", "case_id": case.id},
        )
        return path
