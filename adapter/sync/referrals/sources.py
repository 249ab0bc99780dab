"""Where an inbound referral's ServiceRequest and Patient are read (Gravity: "if the Task is
posted to the service delivery system and the ServiceRequest is on a different system, the
reference should be absolute").

- a relative reference (``ServiceRequest/7``), or an absolute one naming the Task's own server:
  read there;
- an absolute reference to a server named in ``ADAPTER_REFERRAL_SERVERS``: read on that server,
  with the same TLS and authentication settings as the Task's server;
- any other server: refused with a clear reason. A Task must not make the adapter read from
  wherever it points.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from adapter.errors import MappingError
from adapter.fhir import FHIRClient, open_client
from adapter.mappings.resources.inbound_referral import split_reference
from adapter.settings import Settings

__all__ = ["ReferralSources", "referral_sources", "task_server"]


def _base(url: str) -> str:
    return url.rstrip("/")


class ReferralSources:
    """Reads the resources a referral Task points at, here or on the servers allowed."""

    def __init__(
        self, client: FHIRClient, settings: Settings | None, stack: AsyncExitStack | None
    ) -> None:
        self.client = client
        self.settings = settings
        self.stack = stack
        self.allowed = frozenset(
            _base(u) for u in (settings.referral_server_list if settings else ())
        )
        self._clients: dict[str, FHIRClient] = {_base(str(client.base.url)): client}

    async def read(
        self, ref: Mapping[str, Any] | None, resource_type: str, *, element: str
    ) -> tuple[dict[str, Any], bool]:
        """The resource, and whether it is on the Task's own server."""
        base, ident = split_reference(ref, resource_type, element=element)
        client = self.client if base is None else await self._client(_base(base), element)
        return dict(await client.read(resource_type, ident)), client is self.client

    async def _client(self, base: str, element: str) -> FHIRClient:
        if base in self._clients:
            return self._clients[base]
        if base not in self.allowed or self.settings is None or self.stack is None:
            raise MappingError(
                f"the reference is to another server ({base}), not one named in "
                "ADAPTER_REFERRAL_SERVERS",
                element=element,
            )
        other = self.settings.model_copy(update={"fhir_base_url": base})
        client = await self.stack.enter_async_context(open_client(other))
        self._clients[base] = client
        return client


@asynccontextmanager
async def referral_sources(
    client: FHIRClient, settings: Settings
) -> AsyncIterator[ReferralSources]:
    """Sources for one claim run; the other servers' connections close at the end."""
    async with AsyncExitStack() as stack:
        yield ReferralSources(client, settings, stack)


@asynccontextmanager
async def task_server(settings: Settings) -> AsyncIterator[FHIRClient | None]:
    """A client for ``ADAPTER_REFERRAL_TASK_SERVER`` (the performer's server the outbound
    referral Tasks go to), with the same TLS and authentication settings; None when unset or
    naming the case's own server."""
    url = settings.referral_task_server
    if url is None or _base(url) == _base(settings.fhir_base_url):
        yield None
        return
    async with open_client(settings.model_copy(update={"fhir_base_url": _base(url)})) as client:
        yield client
