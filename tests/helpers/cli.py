"""Running the command line in tests: in this process (the fast tier) or in a child process.

In this process a call costs what the command costs: measured on this project, each
`python -m checkin_app` start-up costs ~0.3-0.6 s of interpreter start and imports before the
command runs. A test takes a child process (`process=True`) when it needs one of its own: to
kill it or signal it, to give it an environment this process must not see, or for a command
that serves until stopped.
"""
from __future__ import annotations

import contextlib
import io
import logging
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.paths import ROOT


@dataclass
class CliResult:
    """What a run printed and how it exited (the fields of subprocess.CompletedProcess tests read)."""

    returncode: int
    stdout: str
    stderr: str


def run_cli(data_dir: Path | str | None, *args: object, env: dict[str, str] | None = None, check: int | None = None,
            timeout: float = 90, process: bool = False) -> CliResult:
    """`checkin-app --data-dir DATA_DIR ARGS...`, in this process unless `process` is true.

    Args:
        data_dir: None for a command that uses none (`decode`).
        env: variables added to the environment for this run only.
        check: the exit code the run must end with (asserted, with its output in the message).
        timeout: seconds a child process may take (a run in this process cannot be cut short).
    """
    argv = ([] if data_dir is None else ["--data-dir", str(data_dir)]) + [str(a) for a in args]
    if process:
        proc = subprocess.run([sys.executable, "-m", "checkin_app", *argv], cwd=ROOT, capture_output=True, text=True,
                              timeout=timeout, env={**os.environ, **(env or {})})
        result = CliResult(proc.returncode, proc.stdout, proc.stderr)
    else:
        result = _in_this_process(argv, env or {})
    if check is not None:
        assert result.returncode == check, result.stdout + result.stderr
    return result


def _in_this_process(argv: list[str], env: dict[str, str]) -> CliResult:
    from checkin_app.__main__ import main

    out, err = io.StringIO(), io.StringIO()
    app_log = logging.getLogger("checkin_app")
    handlers, level = list(app_log.handlers), app_log.level
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        for name, value in env.items():
            patch.setenv(name, value)
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse's usage errors, as the console script would exit
            if isinstance(exc.code, str):
                print(exc.code, file=sys.stderr)
            code = 1 if isinstance(exc.code, str) else (exc.code or 0)
        finally:
            # The command pointed the app's log at its data dir: close that file, put the log back.
            for handler in app_log.handlers:
                if handler not in handlers:
                    handler.close()
            app_log.handlers[:] = handlers
            app_log.setLevel(level)
    return CliResult(code or 0, out.getvalue(), err.getvalue())  # None exits 0, as sys.exit(None) does
