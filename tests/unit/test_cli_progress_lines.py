"""cli/progress.py when stderr is not a terminal: plain lines, none after an error, none with --json."""
import argparse
import io

import pytest

from checkin_app.cli import progress as P


def progress(json=False) -> tuple[P.Progress, io.StringIO]:
    out = io.StringIO()  # not a terminal: isatty() is False
    return P.Progress(argparse.Namespace(json=json), out), out


def test_lines_while_working_and_a_closing_line(monkeypatch):
    monkeypatch.setattr(P, "LINE_EVERY_S", 0.0)  # a line on every update, instead of once a second
    p, out = progress()
    with p.counter("box: ev_1 tickets", unit="tickets") as c:
        c.update(100)
        c.update(250, "box: ev_1 orders")
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("  box: ev_1 tickets: 100 tickets so far (")
    assert lines[1].startswith("  box: ev_1 orders: 250 tickets so far (")
    assert lines[2].startswith("  box: ev_1 orders: 250 tickets in ") and lines[2].endswith(" tickets/s)")
    assert "\r" not in out.getvalue()


def test_an_error_is_the_last_word(monkeypatch):
    monkeypatch.setattr(P, "LINE_EVERY_S", 0.0)
    p, out = progress()
    c = p.counter("decode", total=3, unit="files")
    p.error("bad.png: not an image this build can read")
    c.advance()
    c.close()
    assert out.getvalue() == "error: bad.png: not an image this build can read\n"


def test_an_exception_leaves_no_closing_line():
    p, out = progress()
    with pytest.raises(RuntimeError), p.counter("webhooks serve: starting", total=3, unit="steps", periodic=False) as c:
        c.advance()
        raise RuntimeError("port taken")
    assert out.getvalue() == ""


def test_json_shows_nothing_at_all(monkeypatch):
    monkeypatch.setattr(P, "LINE_EVERY_S", 0.0)
    p, out = progress(json=True)
    p.note("importing")
    p.error("x")
    with p.counter("import", total=2, unit="files") as c:
        c.advance()
        c.advance()
    assert out.getvalue() == ""
