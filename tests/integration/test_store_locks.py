"""Several connections to one data dir in one process (GUI + sync loop + door replication)
must not lose rows when another process opens and closes the same database."""
import subprocess
import sys

from checkin_app.services.checkin import CheckinService
from checkin_app.store import Store
from tests.factories import seeded_store
from tests.paths import ROOT

OTHER_PROCESS = """
import sys
from checkin_app.store import Store
from checkin_app.services.checkin import CheckinService
with Store(sys.argv[1]) as store:
    CheckinService(store, door="CLI").scan("R59xesv")
"""


def test_rows_committed_here_survive_another_process_closing_the_database(tmp_path):
    seeded_store(tmp_path).close()
    first = Store(tmp_path)
    CheckinService(first, door="GUI").scan("al4R5")
    second = Store(tmp_path)  # a second connection in this process (e.g. the replication thread)
    subprocess.run([sys.executable, "-c", OTHER_PROCESS, str(tmp_path)], cwd=ROOT, check=True)
    CheckinService(first, door="GUI").scan("TEVO-1")
    CheckinService(second, door="GUI").scan("n2only")
    with Store(tmp_path) as reader:
        seen_while_open = reader.conn.execute("SELECT COUNT(*) FROM journal").fetchall()[0][0]
    first.close()
    second.close()
    with Store(tmp_path) as reader:
        assert reader.conn.execute("SELECT COUNT(*) FROM journal").fetchall()[0][0] == seen_while_open == 4
