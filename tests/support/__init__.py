"""Builders shared by the test packages: cases, the in-process API, the ledger test clock.

Imported explicitly (``from tests.support.api import serve``), never through conftest.
"""
