"""Log lines leave once, with time, level and logger name."""

from __future__ import annotations

import logging


def test_the_huey_logger_is_configured_so_the_worker_prints_each_line_once():
    """run_huey adds a handler of its own to the "huey" logger unless it already has one; with
    the root handler as well, every worker line was printed twice."""
    huey = logging.getLogger("huey")
    assert huey.handlers and huey.propagate is False
    record = logging.LogRecord("huey.consumer", logging.INFO, __file__, 1, "started", None, None)
    line = huey.handlers[0].format(record)
    assert "INFO huey.consumer: started" in line and line.startswith("[")
