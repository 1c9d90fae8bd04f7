"""Child process for the kill -9 test: scans codes as fast as it can, acknowledging each.

Prints `ACK <n> <code> <verdict>` only after `scan()` returned, i.e. after the commit. The parent
kills it at a random moment and checks the journal against what was acknowledged.
"""
import sys

from checkin_app.services.checkin import CheckinService
from checkin_app.store import Store


def main(data_dir: str, codes_file: str) -> None:
    codes = open(codes_file, encoding="utf-8").read().split()
    with Store(data_dir) as store:
        service = CheckinService(store, door="Storm door")
        n = 0
        while True:  # repeats make refusals too: both must survive
            for code in codes:
                n += 1
                verdict = service.scan(code)
                sys.stdout.write(f"ACK {n} {code} {verdict.kind.value}\n")
                sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
