"""How the fault proxy lies about a transaction: rewrites of HAPI's real answer, and the half of
a transaction it forwards when it commits only half but answers success for all.

Pure functions on JSON bytes, so the proxy stays a proxy. What each lie does to the answer:

- ``entry-500``: every entry's status becomes ``500 Internal Server Error``, the Bundle stays 200;
- ``no-status``: every entry loses ``response.status``;
- ``other-id``: every entry says ``201 Created`` with a location naming another id;
- ``half-commit``: only a reference-closed half of the entries reaches HAPI; the answer has one
  entry per entry sent, the missing ones copied from those HAPI really answered;
- ``trickle``, ``endless``, ``huge``: a 200 whose body comes a byte every few seconds, never
  ends (chunked), or is 400 MB (declared and sent).
"""

from __future__ import annotations

import asyncio
import copy
import json
import time
from collections.abc import Mapping
from typing import Any

from adapter.sync.resources import references
from tests.reliability.faults import Fault

__all__ = [
    "STREAMS",
    "committed_half",
    "endless_answer",
    "lie_about",
    "padded_answer",
    "rewritten_answer",
]

STREAMS = frozenset({Fault.TRICKLE, Fault.ENDLESS, Fault.HUGE})
HUGE = 400 * 1024 * 1024
_PAD = b" " * 65_536
_CHUNK = b"10000\r\n" + _PAD + b"\r\n"  # one chunk of 0x10000 bytes


def lie_about(fault: Fault, sent: bytes, content: bytes, kept: list[int]) -> bytes:
    """The answer to tell instead of HAPI's ``content`` (``kept``: see :func:`committed_half`)."""
    if fault is Fault.HALF_COMMIT:
        return padded_answer(content, kept, len(json.loads(sent)["entry"]))
    return rewritten_answer(fault.value, content)


async def endless_answer(
    fault: Fault, writer: asyncio.StreamWriter, *, trickle: float, lifetime: float
) -> int:
    """Write a 200 that never ends well until the client hangs up (or ``lifetime`` s pass);
    the bytes of body written."""
    length = {Fault.TRICKLE: "Content-Length: 1000000", Fault.HUGE: f"Content-Length: {HUGE}"}
    head = ["HTTP/1.1 200 OK", "Content-Type: application/fhir+json",
            length.get(fault, "Transfer-Encoding: chunked"), "", ""]  # fmt: skip
    chunk = {Fault.TRICKLE: b" ", Fault.HUGE: _PAD}.get(fault, _CHUNK)
    written, until = 0, time.monotonic() + lifetime
    try:
        writer.write("\r\n".join(head).encode())
        while time.monotonic() < until and (fault is not Fault.HUGE or written < HUGE):
            writer.write(chunk)
            await writer.drain()
            written += len(chunk)
            if fault is Fault.TRICKLE:
                await asyncio.sleep(trickle)
    except ConnectionError:
        pass
    return written


def rewritten_answer(lie: str, content: bytes) -> bytes:
    """HAPI's answer ``content`` with every entry rewritten as ``lie`` says."""
    answer = json.loads(content)
    for entry in answer.get("entry") or []:
        response = entry.setdefault("response", {})
        if lie == "entry-500":
            response["status"] = "500 Internal Server Error"
        elif lie == "no-status":
            response.pop("status", None)
        elif lie == "other-id":
            kind, ident, *version = str(response.get("location", "")).split("/")
            response["status"] = "201 Created"
            response["location"] = "/".join([kind, f"{ident}-other", *version])
        else:
            raise ValueError(f"no such lie: {lie}")
    return json.dumps(answer).encode()


def committed_half(body: bytes) -> tuple[bytes, list[int]]:
    """The transaction to forward instead of ``body``: at most half of its entries (at least
    one), none referring to an entry left out (HAPI would refuse a dangling reference), and
    the positions of the entries kept."""
    bundle = json.loads(body)
    entries: list[Mapping[str, Any]] = bundle.get("entry") or []
    position = {str(e["request"]["url"]): i for i, e in enumerate(entries)}
    kept: list[int] = []
    for index, entry in enumerate(entries):
        if kept and len(kept) >= len(entries) // 2:
            break
        inside = references(entry.get("resource")) & position.keys()
        if all(position[ref] in kept for ref in inside):
            kept.append(index)
    half = {**bundle, "entry": [entries[i] for i in kept]}
    return json.dumps(half).encode(), kept


def padded_answer(content: bytes, kept: list[int], sent: int) -> bytes:
    """HAPI's answer to the half, stretched to ``sent`` entries: entry ``i`` is HAPI's real
    answer when it was forwarded, else a copy of one it did answer (a success naming another
    resource)."""
    answer = json.loads(content)
    real = answer.get("entry") or []
    by_position = dict(zip(kept, real, strict=True))
    answer["entry"] = [
        by_position.get(i) or copy.deepcopy(real[i % len(real)]) for i in range(sent)
    ]
    return json.dumps(answer).encode()
