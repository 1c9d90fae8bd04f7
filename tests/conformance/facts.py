"""Conformance tables: facts copied from the providers' documents, each with the line it comes from,
and the door's verdict on each (through the mapper, a real store and `decide`).

A fact's `cite` is `<file in tests/fixtures/provider-docs>:<line>[-<line>]`, or `docs/providers.md#<Section>`
for what the project adds to a provider's documents (a section, not a line: other providers' paragraphs
above it move). `cited_text` reads the cited text so each table can check that the value is really
written there: a table that drifts from its documents fails.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checkin_app.domain.models import Batch
from checkin_app.services.checkin import CheckinService
from checkin_app.store import Store
from checkin_app.store.tickets import apply_batch
from tests.paths import PROVIDER_DOCS, ROOT

#: The value no document mentions, one per field: it must be refused "Check with a supervisor".
UNDOCUMENTED = "undocumented"


class _Absent:
    def __repr__(self) -> str:
        return "<absent>"


#: The field left out of the payload altogether.
ABSENT = _Absent()


@dataclass(frozen=True)
class Fact:
    field: str
    value: Any
    cite: str  # where the value is written ("" for the undocumented value of a field)
    verdict: str  # the door's verdict on a ticket carrying it
    note: str = ""

    def __str__(self) -> str:
        return f"{self.field}={self.value!r}"


def cited_text(cite: str) -> str:
    """The text of the cited lines (or of the cited section of docs/providers.md)."""
    if "#" in cite:
        name, _, section = cite.partition("#")
        text = (ROOT / name).read_text(encoding="utf-8")
        start = text.index(f"\n## {section}")
        end = text.find("\n## ", start + 1)
        return text[start:end if end != -1 else None]
    name, _, lines = cite.rpartition(":")
    path = ROOT / name if name.startswith("docs/") else PROVIDER_DOCS / name
    first, _, last = lines.partition("-")
    text = Path(path).read_text(encoding="utf-8").splitlines()
    # The documents were copied from web pages: some spaces are no-break spaces.
    return "\n".join(text[int(first) - 1:int(last or first)]).replace("\xa0", " ")


def check_cited(fact: Fact, spelled: str | None = None) -> None:
    """The fact's value (or its spelling in the document) is written at the cited lines."""
    if not fact.cite:
        return
    written = spelled if spelled is not None else (fact.value if isinstance(fact.value, str) else str(fact.value).lower())
    assert written in cited_text(fact.cite), f"{fact}: {written!r} is not at {fact.cite}"


_dirs = itertools.count()


def door_verdict(tmp_path: Path, batch: Batch, code: str, **scan: Any) -> dict:
    """Apply a mapped batch to a fresh store and scan `code` there: the verdict as `scan --json` gives it."""
    with Store(tmp_path / f"door{next(_dirs)}") as store:
        with store.transaction() as conn:
            apply_batch(conn, batch)
        return CheckinService(store).scan(code, **scan).to_dict()
