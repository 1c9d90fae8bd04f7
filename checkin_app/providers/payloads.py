"""Saved payload files: reading them (JSON, JSON array, NDJSON, CSV, TSV) and mapping each record.

Delimited files (a box office's attendee export) are read by sqlite-utils' `rows_from_file`, which
sniffs the dialect: comma, semicolon (what Excel writes where the decimal mark is a comma), tab or
pipe, with quoting and a byte-order mark. JSON and NDJSON stay with this module's own reader: it
tells NDJSON from JSON (`rows_from_file` sends `{..}\n{..}` to `json.load`, which fails) and names
the line of a malformed record, which a generator over `json.loads` cannot.

`map_payload` tells providers apart by shape (or trusts a hint from the connection). Unknown
shapes are refused with a message saying what was seen, never guessed at.
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from checkin_app.domain.codes import MAX_CODE_LENGTH
from checkin_app.domain.models import Batch, Event, Ticket
from checkin_app.errors import PayloadError
from checkin_app.providers import allowlist, jsontext, ticketor, ticketsolve, tickettailor

MAX_FILE_BYTES = 200 * 1024 * 1024
#: Read as delimited text whatever they start with; any other file is JSON when it starts like JSON.
DELIMITED_SUFFIXES = (".csv", ".tsv", ".tab")
#: A CSV row's optional `status` column: empty or "valid" admits; the words a box office export uses
#: for a dead ticket void it; anything else never admits (fail closed).
_CSV_VOID = allowlist.void("void in the imported list")
CSV_STATUS = {None: allowlist.ADMITS, "valid": allowlist.ADMITS, "void": _CSV_VOID, "voided": _CSV_VOID,
              "cancelled": _CSV_VOID, "canceled": _CSV_VOID, "refunded": _CSV_VOID}
_RECORDED_WRAPPER = {"request_uri", "status", "body"}


def read_payload_file(path: Path) -> list[Any]:
    """The records in a file: one JSON document, a JSON array of payloads, NDJSON, or CSV/TSV rows.

    A file named *.csv, *.tsv or *.tab, or one that does not start like JSON, is delimited text.

    Raises:
        PayloadError: unreadable, empty, binary, too large, or malformed (with the line number).
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise PayloadError(f"{path.name}: {size // 1_000_000} MB is larger than the {MAX_FILE_BYTES // 1_000_000} MB limit")
        raw = path.read_bytes()
    except OSError as exc:
        raise PayloadError(f"cannot read {path}: {exc.strerror}") from None
    if not raw.strip():
        raise PayloadError(f"{path.name}: the file is empty")
    if b"\x00" in raw[:4096]:
        raise PayloadError(f"{path.name}: this is a binary file, not JSON or CSV")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PayloadError(f"{path.name}: not UTF-8 text (byte {exc.start})") from None
    stripped = text.lstrip()
    if path.suffix.lower() in DELIMITED_SUFFIXES or stripped[:1] not in "{[":
        return _read_delimited(raw, path, looks_like_json=stripped[:1] in ("{", "["))
    try:
        doc = jsontext.loads(text)
    except json.JSONDecodeError as exc:
        if stripped[:1] == "{" and exc.msg == "Extra data":
            return _read_ndjson(text, path.name)
        raise PayloadError(f"{path.name}: malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    except PayloadError as exc:
        raise PayloadError(f"{path.name}: {exc}") from None
    return doc if isinstance(doc, list) else [doc]


def _read_ndjson(text: str, name: str) -> list[Any]:
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append(jsontext.loads(line))
        except json.JSONDecodeError as exc:
            raise PayloadError(f"{name}: malformed JSON on line {number}: {exc.msg}") from None
        except PayloadError as exc:
            raise PayloadError(f"{name}: line {number}: {exc}") from None
    return records


def _read_delimited(raw: bytes, path: Path, looks_like_json: bool) -> list[Any]:
    """The rows of a CSV or TSV file, each a record for `map_payload`.

    A `.tsv` or `.tab` file is read as tab-separated; anything else has its dialect sniffed from its
    first 2 KB (falling back to plain commas when the sniffer cannot tell, e.g. a file of one column,
    which the header check then refuses by name). A *.csv that starts like JSON is read as commas:
    sniffing would hand it to `json.load`.
    """
    from sqlite_utils.utils import Format, RowError, rows_from_file  # 0.25 s to import: only when importing

    name = path.name
    fmt = Format.TSV if path.suffix.lower() in (".tsv", ".tab") else Format.CSV if looks_like_json else None
    try:
        try:
            rows, _ = rows_from_file(io.BytesIO(raw), format=fmt)
        except csv.Error:  # "Could not determine delimiter"
            rows, _ = rows_from_file(io.BytesIO(raw), format=Format.CSV)
        records: list[Any] = []
        for row in rows:
            if not records:
                _check_header(row, name)
            records.append({"__csv__": True, **{(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}})
    except RowError:
        raise PayloadError(f"{name}: row {len(records) + 1} has more cells than the header") from None
    except csv.Error as exc:  # a NUL byte past the binary check, a cell over the csv module's limit
        raise PayloadError(f"{name}: row {len(records) + 1}: {exc}") from None
    if not records:
        raise PayloadError(f"{name}: no rows after the header")
    return records


def _check_header(row: dict, name: str) -> None:
    fields = sorted({(f or "").strip().lower() for f in row})
    if "code" not in fields or not set(fields) & {"event", "event_id"}:
        # Bounded: a text file that is not a table at all has its first line sniffed as a header.
        found = ", ".join(repr(f[:40]) for f in fields[:8]) + (", ..." if len(fields) > 8 else "")
        raise PayloadError(f"{name}: not JSON, and a CSV or TSV needs 'code' and 'event' (or 'event_id') columns;"
                           f" found {found}")


def _csv_batch(row: dict) -> tuple[str, Batch]:
    provider = row.get("provider") or "local"
    event_id = row.get("event_id") or row.get("event")
    if not event_id or not row.get("code"):
        raise PayloadError("CSV row without a code or event")
    status = row.get("status")
    reading = allowlist.read(CSV_STATUS, None if status in (None, "") else status, "status")
    ticket = Ticket(provider=provider, remote_id=row.get("remote_id") or None, event_remote_id=event_id, code=row["code"],
                    holder_name=row.get("name") or row.get("holder_name") or None, email=row.get("email") or None,
                    ticket_type=row.get("ticket_type") or None, order_ref=row.get("order_ref") or None,
                    seat=row.get("seat") or None, **reading.ticket_fields())
    return provider, Batch(events=[Event(provider, event_id, row.get("event_name") or event_id)], tickets=[ticket])


def _check_codes(batch: Batch) -> Batch:
    for t in batch.tickets:
        if len(t.code) > MAX_CODE_LENGTH:
            raise PayloadError(f"ticket {t.remote_id or ''} has a {len(t.code)}-character code (at most {MAX_CODE_LENGTH})")
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in t.code):
            raise PayloadError(f"ticket {t.remote_id or ''} has control characters in its code")
    return batch


def map_payload(obj: Any, provider: str | None = None) -> tuple[str, Batch]:
    """Map one record to (provider, batch).

    Args:
        obj: a parsed JSON payload or a CSV row from `read_payload_file`.
        provider: the connection's provider, when known; otherwise detected from the shape.
    """
    if isinstance(obj, dict) and obj.get("__csv__"):
        name, batch = _csv_batch(obj)
        return name, _check_codes(batch)
    if isinstance(obj, dict) and _RECORDED_WRAPPER <= obj.keys():
        obj = obj["body"]  # a recorded API exchange: the payload is its body
    if not isinstance(obj, dict):
        raise PayloadError(f"expected a JSON object per payload, got {type(obj).__name__}")
    # Ticketsolve first: its envelope says `"object": "event"`, which a Ticket Tailor event says too.
    if provider == "ticketsolve" or (provider is None and ticketsolve.looks_like(obj)):
        return "ticketsolve", _check_codes(ticketsolve.map_webhook(obj))
    if provider == "tickettailor" or (provider is None and tickettailor.looks_like(obj)):
        return "tickettailor", _check_codes(tickettailor.map_any(obj))
    if provider == "ticketor" or (provider is None and ticketor.looks_like(obj)):
        return "ticketor", _check_codes(ticketor.map_any(obj))
    keys = ", ".join(sorted(obj)[:8])
    raise PayloadError(f"unknown payload shape (keys: {keys}); pass --connection to say whose it is")
