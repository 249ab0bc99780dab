"""A poll of the referral Tasks addressed to the organization, when notifications went missing.

Notifications only tell that something changed; a gap in their event numbers
(:mod:`adapter.api.notify_events`) means some never came. The pull that every notification
starts reads the server's changes to the adapter's own resources anyway; referrals addressed to
the case-management organization are not among them, so after a gap the next background run
first runs the claim query (``Task?owner=<organization>&status=requested``, as
``adapter referrals claim`` does) rather than trusting that nothing was announced.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from adapter.errors import AdapterError
from adapter.fhir import FHIRClient
from adapter.model.codes import ProgramType
from adapter.settings import Settings
from adapter.sync.ledger import Ledger
from adapter.sync.referrals.inbound import ClaimReport, claim
from adapter.sync.referrals.sources import referral_sources

__all__ = ["PollFlag", "poll_referrals"]

log = logging.getLogger("adapter.api")


@dataclass
class PollFlag:
    """Set by a notification that showed a gap; taken by the next background run."""

    pending: bool = False

    def ask(self) -> None:
        self.pending = True

    def take(self) -> bool:
        pending, self.pending = self.pending, False
        return pending


async def poll_referrals(
    client: FHIRClient, ledger: Ledger, settings: Settings
) -> ClaimReport | None:
    """Claim what waits for ``ADAPTER_REFERRAL_ORGANIZATION`` (new cases in the default
    program, as the CLI's ``claim``); None when no organization is set or the poll failed (the
    pull goes on either way)."""
    organization = settings.referral_organization
    if organization is None:
        log.info("notification gap: no ADAPTER_REFERRAL_ORGANIZATION, no referral Tasks to poll")
        return None
    try:
        async with referral_sources(client, settings) as sources:
            report = await claim(
                client,
                ledger,
                server=settings.fhir_base_url,
                organization=organization,
                program=ProgramType.COMPLEX_CARE,
                today=datetime.now(UTC).date(),
                sources=sources,
            )
    except AdapterError as exc:
        log.error("referral poll after a notification gap failed: %s", type(exc).__name__)
        return None
    log.info(
        "referral poll after a notification gap: %d claimed, %d cancelled, %d refused",
        len(report.claimed), len(report.cancelled), len(report.refused),
    )  # fmt: skip
    return report
