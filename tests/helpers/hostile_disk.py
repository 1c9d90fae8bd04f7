"""Child process run inside a private mount namespace on a tiny tmpfs (see test_hostile_environment).

Fills the disk with scans until SQLite reports it full, then remounts read-only and scans again.
Prints one JSON document: what was acknowledged and what each failure said.
"""
import json
import subprocess
import sys
from pathlib import Path

from checkin_app.domain.models import Batch
from checkin_app.errors import StoreError
from checkin_app.services.checkin import CheckinService
from checkin_app.store import Store
from checkin_app.store.tickets import apply_batch
from tests.factories import NIGHT_ONE, ticket


def main(mount: str) -> None:
    data = Path(mount) / "door"
    out = {"acked": [], "full_error": None, "readonly_error": None}
    with Store(data) as store:
        with store.transaction() as conn:
            apply_batch(conn, Batch(events=[NIGHT_ONE], tickets=[ticket(f"D{i:06d}") for i in range(600)]))
        service = CheckinService(store, door="Full door")
        for i in range(600):
            code = f"D{i:06d}"
            try:
                # Large payloads (a long unknown code each time) make the journal grow fast.
                service.scan(code)
                service.scan(code + "-" + "x" * 400)
            except StoreError as exc:
                out["full_error"] = str(exc)
                break
            out["acked"].append(code)
    subprocess.run(["mount", "-o", "remount,ro", mount], check=True)
    try:
        with Store(data) as store:
            CheckinService(store).scan("D000000")
    except StoreError as exc:
        out["readonly_error"] = str(exc)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
