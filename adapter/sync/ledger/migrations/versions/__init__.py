"""Alembic revision scripts of the sync ledger, oldest first."""
