"""Logging for operations: one handler on stderr, plain text or one JSON object per line.

``ADAPTER_LOG_LEVEL`` (default ``WARNING``; ``INFO`` adds one line per case outcome and per
service request) and ``ADAPTER_LOG_FORMAT`` (``text`` or ``json``). JSON lines carry
``timestamp``, ``level``, ``logger``, ``message`` and the structured fields a call passes in
``extra`` (``event``, ``run_id``, ``case_id``, counts): never patient data, because no log call
in the adapter passes any (the security tests scan every level for it).
"""

from __future__ import annotations

import logging
import sys
from typing import Final, Literal

from pythonjsonlogger.json import JsonFormatter

__all__ = ["LogFormat", "LogLevel", "configure_logging", "reset_logging"]

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]
LogFormat = Literal["text", "json"]

_MARK: Final = "_adapter_handler"
_TEXT: Final = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_JSON_FIELDS: Final = ("asctime", "levelname", "name", "message")
_DATE: Final = "%Y-%m-%dT%H:%M:%S%z"


def configure_logging(level: LogLevel = "WARNING", fmt: LogFormat = "text") -> None:
    """Route the ``adapter`` loggers (and uvicorn's error log) to one stderr handler; calling
    it again replaces the handler. Other libraries' loggers are left alone: httpx logs URLs at
    INFO, and a search URL can carry an identifier."""
    handler = logging.StreamHandler(sys.stderr)
    setattr(handler, _MARK, True)
    if fmt == "json":
        handler.setFormatter(
            JsonFormatter(
                _JSON_FIELDS,
                rename_fields={"asctime": "timestamp", "levelname": "level", "name": "logger"},
                datefmt=_DATE,
            )
        )
    else:
        handler.setFormatter(logging.Formatter(_TEXT, datefmt=_DATE))
    for name in ("adapter", "uvicorn.error"):
        logger = logging.getLogger(name)
        for old in [h for h in logger.handlers if getattr(h, _MARK, False)]:
            logger.removeHandler(old)
        logger.addHandler(handler)
        logger.setLevel(level)


def reset_logging() -> None:
    """Undo :func:`configure_logging` (for tests)."""
    for name in ("adapter", "uvicorn.error"):
        logger = logging.getLogger(name)
        for old in [h for h in logger.handlers if getattr(h, _MARK, False)]:
            logger.removeHandler(old)
        logger.setLevel(logging.NOTSET)
