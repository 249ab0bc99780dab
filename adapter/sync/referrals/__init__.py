"""Closed-loop referrals on the Gravity SDOH Clinical Care pattern (docs/referrals.md).

Rooms: ``alerts`` (outbound referrals left without an answer), ``inbound`` (Tasks addressed to
the case-management organization: claimed into a ``referred`` case, answered by status-only
updates), ``intake`` (the pure Task + ServiceRequest + Patient -> case mapping of a claim).
The outbound shape itself is in :mod:`adapter.mappings.resources.gravity`; status ownership
per value in :mod:`adapter.sync.ownership`.
"""
