"""The command-line contract (DESIGN.md), run as a user runs it: a real process per command."""
import csv
import io
import json

import pytest

from tests.factories import seeded_store
from tests.helpers.cli import run_cli as cli


@pytest.fixture
def door(tmp_path):
    seeded_store(tmp_path / "door").close()
    return tmp_path / "door"


def test_scan_exit_codes_and_json(door):
    first = cli(door, "scan", "al4R5", "--device", "Door 1", "--json", check=0)
    doc = json.loads(first.stdout)
    assert doc["verdict"] == "admitted" and doc["code"] == "al4R5" and doc["ticket"]["holder_name"] == "Ada Lovelace"
    assert doc["message"]
    second = cli(door, "scan", "al4R5", "--device", "Door 2", "--json", check=1)
    doc = json.loads(second.stdout)
    assert doc["verdict"] == "already_checked_in" and "Door 1" in doc["message"]
    assert cli(door, "scan", "VOIDED1", check=1).stdout.startswith("VOID:")
    assert json.loads(cli(door, "scan", "nope", "--json", check=1).stdout)["ticket"] is None
    err = cli(door, "scan", "", check=2)
    assert "empty code" in err.stderr and len(err.stderr.strip().splitlines()) == 1
    err = cli(door, "scan", "x" * 10_000, check=2)
    assert len(err.stderr) < 200


def test_scan_scoped_to_an_event_and_exit_mode(door):
    assert json.loads(cli(door, "scan", "al4R5", "--event", "ev_2", "--json", check=1).stdout)["verdict"] == "wrong_event"
    cli(door, "scan", "al4R5", "--event", "ev_1", check=0)
    assert json.loads(cli(door, "scan", "al4R5", "--exit", "--json", check=0).stdout)["verdict"] == "exited"
    assert cli(door, "scan", "al4R5", "--event", "ev_9", check=2).stderr.startswith("error: no cached event")


def test_search_events_void_undo_issue(door):
    hits = json.loads(cli(door, "search", "ada", "--json", check=0).stdout)["results"]
    assert [h["code"] for h in hits] == ["al4R5"]
    events = json.loads(cli(door, "events", "--json", check=0).stdout)["events"]
    assert {e["remote_id"]: e["tickets"] for e in events} == {"ev_1": 5, "ev_2": 1}
    cli(door, "void", "R59xesv", "--reason", "refunded", check=0)
    assert json.loads(cli(door, "scan", "R59xesv", "--json", check=1).stdout)["verdict"] == "void"
    cli(door, "scan", "al4R5", check=0)
    cli(door, "undo", "al4R5", check=0)
    cli(door, "scan", "al4R5", check=0)
    issued = json.loads(cli(door, "issue", "--event", "ev_1", "--name", "Walk Up", "--json", check=0).stdout)
    cli(door, "scan", issued["code"], check=0)


def test_export_csv_and_json(door, tmp_path):
    cli(door, "scan", "al4R5", check=0)
    out = tmp_path / "export.json"
    cli(door, "export", "--format", "json", "--output", str(out), check=0)
    doc = json.loads(out.read_text())
    by_code = {t["code"]: t for t in doc["tickets"]}
    assert doc["count"] == 7
    assert by_code["al4R5"]["checked_in"] is True and by_code["R59xesv"]["checked_in"] is False
    for key in ("code", "status", "checked_in", "holder_name", "email", "event_id", "provider", "remote_id"):
        assert key in by_code["al4R5"]
    assert by_code["al4R5"]["event_id"] == "ev_1" and by_code["VOIDED1"]["status"] == "void"
    rows = list(csv.DictReader(io.StringIO(cli(door, "export", "--event", "ev_2", check=0).stdout)))
    assert [r["code"] for r in rows] == ["n2only"]


def test_not_sqlite_data_dir_is_a_one_line_error(tmp_path):
    (tmp_path / "checkin.sqlite3").write_text("not a database at all, and much longer than sixteen bytes")
    err = cli(tmp_path, "events", check=2)
    assert "not a checkin_app database" in err.stderr and "Traceback" not in err.stderr


def test_bench_reports_every_figure_on_a_small_store(tmp_path):
    proc = cli(tmp_path / "unused", "bench", "--tickets", "3000", "--events", "2", "--scans", "100", "--json", check=0)
    report = json.loads(proc.stdout)
    assert report["tickets"] == 3000 and report["import_tickets_per_s"] > 0 and report["import_tickets_per_cpu_s"] > 0
    assert report["load_average_1m"] >= 0
    assert sum(report["scan_verdicts"].values()) == 100 and report["scan_verdicts"]["admitted"] > 50
    for key in ("scan_p99_ms", "fsync_floor_p99_ms", "search_name_prefix_fts_p99_ms", "search_email_fragment_like_p99_ms"):
        assert report[key] > 0, key
    assert report["search_name_prefix_fts_hit_rate"] == 1.0 and report["search_email_fragment_fts_hit_rate"] == 1.0
    # Issue 19: import rate and search p99 are reported with their targets, and judged against them.
    kinds = ("name_prefix", "email_fragment", "name_prefix_4", "surname", "two_letters", "code_start", "order_ref", "name_initial")
    for kind in kinds:
        assert report[f"search_{kind}_fts_hit_rate"] == 1.0 and report[f"search_{kind}_fts_p99_ms"] > 0, kind
    for figure in ("p99_ms", "cpu_p99_ms"):
        assert report[f"search_{figure}"] == max(report[f"search_{k}_fts_{figure}"] for k in kinds)
    assert (report["import_target_tickets_per_cpu_s"], report["search_target_p99_ms"]) == (50_000, 20.0)
    assert report["targets_met"] == {"import": report["import_tickets_per_cpu_s"] >= 50_000,
                                     "search": report["search_cpu_p99_ms"] <= 20.0}
