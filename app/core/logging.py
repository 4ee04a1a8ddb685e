from __future__ import annotations

import logging

import structlog

_configured_level: str | None = None


def configure_logging(level: str) -> None:
    """JSON lines on stderr, one per event, from our code and from the libraries we use.

    Once per process and level: loggers cache their configuration on first use, so configuring
    again (every app a test builds) would leave the cached ones on a list nobody changes."""
    global _configured_level
    if _configured_level == level:
        return
    _configured_level = level
    logging.basicConfig(format="%(message)s", level=level)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.PrintLoggerFactory(),
        cache_logger_on_first_use=True,
    )
