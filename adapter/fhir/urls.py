"""The server's base URL: building request URLs and refusing any URL outside it."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from adapter.errors import UnsafeURLError

__all__ = ["BaseURL"]

_DEFAULT_PORTS = {"http": 80, "https": 443}


class BaseURL:
    """A FHIR base such as ``https://fhir.example/r4``; every URL the client requests is in it."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
            raise UnsafeURLError(f"not an http(s) base URL: {url!r}", url=url)
        self.url = url.rstrip("/")
        self._scheme = parts.scheme
        self._origin = _origin(parts.scheme, parts.hostname, parts.port)
        self._path = parts.path.rstrip("/")

    def __str__(self) -> str:
        return self.url

    def join(self, *segments: str) -> str:
        """``base/seg1/seg2``; segments are ids, types and operation names, never user URLs."""
        return "/".join([self.url, *(seg.strip("/") for seg in segments if seg)])

    def resolve(self, link: str) -> str:
        """An absolute URL for a server-supplied link (e.g. ``next``), refused if outside the base.

        Relative links are resolved against the base itself (HAPI sends absolute ones, other
        servers ``?_getpages=...`` or ``Patient?page=2``).
        """
        absolute = urljoin(self.url + "/", link) if not link.startswith("?") else self.url + link
        if not self.contains(absolute):
            raise UnsafeURLError("refusing a link outside the server's base URL", url=absolute)
        return absolute

    def contains(self, url: str) -> bool:
        """True if ``url`` has the base's scheme, host and port and its path lies under the base."""
        parts = urlsplit(url)
        if parts.scheme != self._scheme or not parts.hostname:
            return False
        if _origin(parts.scheme, parts.hostname, parts.port) != self._origin:
            return False
        path = parts.path.rstrip("/")
        return path == self._path or path.startswith(self._path + "/")

    def resource_type(self, url: str) -> str:
        """The first path segment under the base (``Goal``, ``_history``, ``metadata``), for logs.

        Never returns ids or query values, so it is safe to log.
        """
        path = urlsplit(url).path.rstrip("/")
        rest = path[len(self._path) :].strip("/") if path.startswith(self._path) else ""
        return rest.split("/", 1)[0] or "(base)"


def _origin(scheme: str, host: str, port: int | None) -> tuple[str, str, int]:
    return scheme, host.lower(), port if port is not None else _DEFAULT_PORTS[scheme]
