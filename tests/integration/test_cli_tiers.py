"""The in-process CLI tier (tests/helpers/cli.py) answers as the real `python -m checkin_app` does:
same exit codes, same output, for a verdict, a refusal, a user error and a usage error."""
import os

import pytest

from tests.factories import seeded_store
from tests.helpers.cli import run_cli


@pytest.fixture
def door(tmp_path):
    seeded_store(tmp_path / "door").close()
    return tmp_path / "door"


@pytest.mark.parametrize("args", [
    ("scan", "nope", "--json"),                     # refused: exit 1
    ("scan", "", "--json"),                         # a user error: exit 2, one line
    ("scan", "al4R5", "--event", "ev_9"),           # a user error on stderr
    ("scan", "al4R5", "--no-such-option"),          # argparse's usage error: exit 2
    ("events", "--json"),
    ("search", "ada", "--json"),
])
def test_in_process_and_child_process_runs_agree(door, args):
    here = run_cli(door, *args)
    child = run_cli(door, *args, process=True)
    assert (here.returncode, here.stdout, here.stderr) == (child.returncode, child.stdout, child.stderr)


def test_an_admission_counts_once_whichever_tier_ran_it(door):
    assert run_cli(door, "scan", "al4R5", "--json", check=0).returncode == 0
    assert run_cli(door, "scan", "al4R5", "--json", process=True, check=1).stdout.startswith('{"verdict": "already')


def test_env_given_to_one_run_does_not_stay(door, monkeypatch):
    monkeypatch.delenv("CHECKIN_TIER_PROBE", raising=False)
    run_cli(door, "events", env={"CHECKIN_TIER_PROBE": "1"}, check=0)
    assert "CHECKIN_TIER_PROBE" not in os.environ
