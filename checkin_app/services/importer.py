"""Import saved payload files (webhook deliveries, API pages, CSV) through the provider mappers.

A file is applied all or nothing: one malformed record rejects the file with a message naming
the record and saying that nothing from the file was imported, and the store is left as it was.
Re-importing a file changes nothing. Whatever a file holds, the outcome is a report or a
PayloadError: a mapper that fails on a record in a way it did not foresee (a bug) still rejects the
file with a clear line instead of an internal error. Counts are of distinct events and tickets; a
code that appears more than once in one file is reported (the last occurrence wins).
"""
from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from checkin_app.domain.codes import display
from checkin_app.domain.models import Batch, Ticket
from checkin_app.errors import PayloadError, StoreError
from checkin_app.providers.payloads import map_payload, read_payload_file
from checkin_app.store import Store
from checkin_app.store import connections as conns
from checkin_app.store.tickets import apply_batch

log = logging.getLogger(__name__)
REJECTED = "nothing from this file was imported"


@dataclass(frozen=True)
class ImportReport:
    file: str
    provider: str
    payloads: int
    events: int
    tickets: int
    new_tickets: int
    conflicts: int
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def import_file(store: Store, path: Path, connection: str | None = None) -> ImportReport:
    """Read, map and apply one file.

    Args:
        store: the data dir's store.
        path: a JSON, NDJSON or CSV file.
        connection: the connection the payloads belong to (its provider guides detection).

    Raises:
        PayloadError: the file was rejected as a whole (the message says why and where).
    """
    conn_row = conns.by_name(store.conn, connection) if connection else None
    hint = conn_row.provider if conn_row else None
    try:
        records = read_payload_file(path)
    except PayloadError as exc:
        raise PayloadError(f"{exc}; {REJECTED}") from None
    batch, providers = Batch(), set()
    for index, record in enumerate(records, start=1):
        where = f"record {index}" if len(records) > 1 else "payload"
        try:
            provider, mapped = map_payload(record, provider=hint)
        except PayloadError as exc:
            raise PayloadError(f"{path.name}: {where}: {exc}; {REJECTED}") from None
        except Exception as exc:  # a mapper's bug on an input it did not foresee: still the file's refusal
            log.error("mapping %s %s failed", path.name, where, exc_info=exc)
            raise PayloadError(f"{path.name}: {where} could not be read ({type(exc).__name__}); {REJECTED}") from None
        providers.add(provider)
        batch.extend(mapped)
    if not batch.tickets and not batch.events:
        raise PayloadError(f"{path.name}: no events or tickets in this file")
    codes = Counter((t.provider, t.event_remote_id, t.code) for t in batch.tickets)
    warnings = [f"{path.name}: code {display(code)} (event {event}) appears {n} times; the last one was kept"
                for (_, event, code), n in codes.items() if n > 1]
    batch.tickets = last_of_each(batch.tickets)
    try:
        with store.transaction() as conn:
            before = conn.execute("SELECT COUNT(*) FROM tickets").fetchone()[0]
            result = apply_batch(conn, batch, conn_row.id if conn_row else None)
            after = conn.execute("SELECT COUNT(*) FROM tickets").fetchone()[0]
    except StoreError:
        raise
    except Exception as exc:  # a value the store cannot hold (an integer past 2^63, say): rolled back
        log.error("storing %s failed", path.name, exc_info=exc)
        raise PayloadError(f"{path.name}: its records could not be stored ({type(exc).__name__}); {REJECTED}") from None
    events = {(e.provider, e.remote_id) for e in batch.events}
    return ImportReport(path.name, ",".join(sorted(providers)), len(records), len(events), len(batch.tickets),
                        after - before, len(result.conflicts), warnings)


def last_of_each(tickets: list[Ticket]) -> list[Ticket]:
    """The tickets with each code (per event) and each remote id once: its last occurrence, in file order.

    Writing one ticket twice in one batch made the store's search index fail ("database disk image
    is malformed", the whole import refused as an internal error); a file that repeats a code
    means its last line anyway.
    """
    kept, codes, remote_ids = [], set(), set()
    for t in reversed(tickets):
        code_key, remote_key = (t.provider, t.event_remote_id, t.code), (t.provider, t.remote_id)
        if code_key in codes or (t.remote_id and remote_key in remote_ids):
            continue
        codes.add(code_key)
        if t.remote_id:
            remote_ids.add(remote_key)
        kept.append(t)
    return kept[::-1]
