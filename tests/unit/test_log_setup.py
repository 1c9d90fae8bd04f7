"""log.setup replaces its handlers: the replaced ones are closed, not leaked."""
from __future__ import annotations

import logging

from checkin_app import log


def test_setup_again_closes_the_replaced_file_handler(tmp_path):
    log.setup(tmp_path / "first")
    first = logging.getLogger("checkin_app").handlers[0]
    assert isinstance(first, logging.FileHandler) and first.stream is not None
    try:
        log.setup(tmp_path / "second")
        # FileHandler.close() drops its stream; an unclosed one keeps the file open for the process.
        assert first.stream is None
        assert logging.getLogger("checkin_app").handlers != [first]
    finally:
        log.setup(None)
