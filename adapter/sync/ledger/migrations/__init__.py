"""Alembic migrations of the sync ledger (run by ``Ledger.open``)."""
