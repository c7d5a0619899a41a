"""Logging for every process: one format, and no phone or ID-card number ever reaches a log line.

Redaction happens when a record is created (a log-record factory), so it covers every logger and every
handler (the console, files, pytest's capture, an rq worker's), the formatted message and a traceback's
text (an SQL error's parameters can hold a caller's phone).
"""

from __future__ import annotations

import logging
import traceback

from hotline.core.personal_data import redact_personal_data

_base_factory = logging.getLogRecordFactory()


def _redacting_factory(*args, **kwargs) -> logging.LogRecord:
    record = _base_factory(*args, **kwargs)
    try:
        message = record.getMessage()
    except Exception:  # a bad format string: keep the record as the logging module would
        return record
    record.msg, record.args = redact_personal_data(message), None
    if record.exc_info and record.exc_info[0] is not None:
        record.exc_text = redact_personal_data("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
    if record.stack_info:
        record.stack_info = redact_personal_data(record.stack_info)
    return record


def configure_logging() -> None:
    """Set the process's log format and install the redaction (idempotent)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if logging.getLogRecordFactory() is not _redacting_factory:
        logging.setLogRecordFactory(_redacting_factory)
