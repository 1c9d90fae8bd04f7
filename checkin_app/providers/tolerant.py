"""Mapping a page record by record, so that one record that cannot be mapped poisons nothing.

Issue 12, item 13: a mapper that meets a record it cannot map (an order without an event, a
ticket without a code) raises `PayloadError` for that record; `map_each` turns the error into a
`SetAside` (kept by the store, shown to supervisors) and maps the rest of the page. Anything
other than a `PayloadError` is a bug in the mapper and still propagates.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable

from checkin_app.domain.models import Batch, SetAside
from checkin_app.errors import PayloadError


def map_each(provider: str, record_kind: str, records: Iterable[Any], mapper: Callable[[Any], Batch],
             remote_id: Callable[[Any], Any] = lambda r: r.get("id") if isinstance(r, dict) else None) -> Batch:
    """Map every record with `mapper` into one batch; records it refuses are set aside with the reason.

    Args:
        provider: whose records ("tickettailor", ...).
        record_kind: what one record is ("issued_ticket", "order", ...), stored with it.
        records: the page's records.
        mapper: one record -> Batch; raises PayloadError for a record it cannot map.
        remote_id: the record's provider id, for the set-aside row (default: its "id").
    """
    batch = Batch()
    for record in records:
        try:
            batch.extend(mapper(record))
        except PayloadError as exc:
            rid = remote_id(record)
            batch.set_aside.append(SetAside(provider, record_kind, None if rid is None else str(rid), str(exc), record))
    return batch
