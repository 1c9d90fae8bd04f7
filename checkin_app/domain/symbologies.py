"""The symbologies a ticket can carry: our names for them (stable, shown to users, written in JSON).

Domain vocabulary, because two layers speak it: each provider's entry says what it prints
(`domain/provider_facts.py`, read by `providers/registry.py`), and the scanner restricts its
decoders to them (`scanning/formats.py`; each decoder maps these names to its own constants).
"""
from __future__ import annotations

QR, CODE128, CODE39, ITF, PDF417, AZTEC, DATAMATRIX, EAN_UPC = (
    "QR", "Code128", "Code39", "ITF", "PDF417", "Aztec", "DataMatrix", "EAN/UPC")

#: Every symbology the scanner can be asked for (issue 5: the door's list).
ALL: frozenset[str] = frozenset({QR, CODE128, CODE39, ITF, PDF417, AZTEC, DATAMATRIX, EAN_UPC})
