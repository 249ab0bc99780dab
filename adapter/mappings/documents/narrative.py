"""Generated narrative: FHIR xhtml built from case data, every piece of text escaped.

Case data is text, never markup: :func:`esc` escapes ``& < > " '`` and drops the characters XML
1.0 cannot carry, so a need described as ``<script>`` shows as that text and the div stays
well-formed. Only the elements FHIR narrative allows are used (``div p b ul li table tr th
td``), without attributes beyond the root's namespace. Nothing here logs: narrative is patient
data.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from typing import Final

from adapter.mappings.datatypes import Json

__all__ = ["bullets", "esc", "grid", "labelled", "narrative", "paragraph"]

XHTML_NS: Final = "http://www.w3.org/1999/xhtml"

# Characters outside XML 1.0's Char production (C0 controls but tab, LF, CR; surrogates; FFFE/F).
_NOT_XML: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def esc(value: object) -> str:
    """``value`` as xhtml text: escaped, and without characters XML cannot hold."""
    return html.escape(_NOT_XML.sub("", str(value)), quote=True)


def paragraph(text: str) -> str:
    """A ``<p>`` with ``text`` escaped."""
    return f"<p>{esc(text)}</p>"


def labelled(label: str, value: object | None) -> str:
    """``<p><b>label</b>: value</p>``, or nothing when there is no value."""
    if value is None or value == "":
        return ""
    return f"<p><b>{esc(label)}</b>: {esc(value)}</p>"


def bullets(items: Iterable[str]) -> str:
    """A ``<ul>`` of escaped items; nothing when there are none."""
    rows = "".join(f"<li>{esc(item)}</li>" for item in items)
    return f"<ul>{rows}</ul>" if rows else ""


def grid(headers: Sequence[str], rows: Iterable[Sequence[object | None]]) -> str:
    """A ``<table>`` with a header row; every cell escaped, ``None`` shown empty."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{'' if c is None else esc(c)}</td>" for c in row) + "</tr>"
        for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def narrative(*blocks: str, lang: str | None = None) -> Json:
    """A ``Narrative`` (status ``generated``) holding ``blocks`` (already built by the helpers
    above, so already escaped); an empty one says so in words, as a div must have content.
    ``lang`` marks the root div (``lang`` and ``xml:lang``) for a resource with a language."""
    inner = "".join(blocks) or paragraph("Nothing recorded.")
    marks = f' lang="{esc(lang)}" xml:lang="{esc(lang)}"' if lang else ""
    return {"status": "generated", "div": f'<div xmlns="{XHTML_NS}"{marks}>{inner}</div>'}
