"""Scan random codes at one door until killed, printing each acknowledged scan.

    python -m tests.helpers.door_storm DATA_DIR CODES_FILE SEED COUNT DOOR

Each line `device seq code verdict` is printed only after the scan's transaction committed, so
every printed line is an acknowledged scan that must survive a kill -9 and reach every door.
"""
import random
import sys
from pathlib import Path

from checkin_app.services.checkin import CheckinService
from checkin_app.store import Store


def main() -> None:
    data_dir, codes_file, seed, count, door = sys.argv[1:6]
    codes = Path(codes_file).read_text().split()
    rng = random.Random(int(seed))
    with Store(Path(data_dir)) as store:
        service = CheckinService(store, door=door)
        for _ in range(int(count)):
            verdict = service.scan(rng.choice(codes))
            seq = store.conn.execute("SELECT MAX(seq) FROM journal WHERE device_id = ?", (store.device_id,)).fetchone()[0]
            print(store.device_id, seq, verdict.code, verdict.kind.value, flush=True)


if __name__ == "__main__":
    main()
