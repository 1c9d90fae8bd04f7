"""Which symbologies the door decodes: the ones its providers print (from their registry entries).

Restricting the decoder to the symbologies the configured providers issue is the cheapest guard
against noise reads: a door that only sells Ticket Tailor tickets never needs an EAN-13 decoder,
and an EAN decoder is what turns a striped shirt into a "code". Names here are ours (stable, shown
to users and written in JSON); each decoder maps them to its own constants.
"""
from __future__ import annotations

from collections.abc import Iterable

from checkin_app.domain.provider_facts import FACTS
# The names are domain vocabulary (providers' entries speak them too); re-exported for the decoders.
from checkin_app.domain.symbologies import ALL, AZTEC, CODE39, CODE128, DATAMATRIX, EAN_UPC, ITF, PDF417, QR  # noqa: F401
from checkin_app.errors import ConfigError

#: Symbologies whose reads are protected by error correction (Reed-Solomon) or a mandatory check
#: character, so one read is trusted. Code39 and ITF carry no mandatory check and misread as
#: truncated codes on a partial scan line; they need a second agreeing frame.
SELF_CHECKING: frozenset[str] = frozenset({QR, PDF417, AZTEC, DATAMATRIX, CODE128, EAN_UPC})


def parse(names: Iterable[str]) -> frozenset[str]:
    """Our symbology names from user text (case-insensitive; "ean", "upc" and "qrcode" accepted).

    Raises:
        ConfigError: for a name that is not a ticket symbology.
    """
    lookup = {name.lower().replace("/", ""): name for name in ALL}
    lookup.update({"ean": EAN_UPC, "upc": EAN_UPC, "qrcode": QR, "code-128": CODE128, "code-39": CODE39})
    out = set()
    for raw in names:
        key = raw.strip().lower().replace("/", "")
        if key not in lookup:
            raise ConfigError(f"unknown symbology {raw!r}; expected one of {', '.join(sorted(ALL))}")
        out.add(lookup[key])
    return frozenset(out)


def for_providers(providers: Iterable[str]) -> frozenset[str]:
    """The union of what the given providers issue; every ticket symbology when none is given.

    Args:
        providers: provider names as stored on connections ("tickettailor", ...).

    Returns:
        The symbologies to decode. An unknown provider widens to ALL rather than miss its tickets.
    """
    out: set[str] = set()
    seen_any = False
    for name in providers:
        seen_any = True
        known = FACTS.get(name)  # each provider's registry entry says what it prints
        out |= known.symbologies if known else ALL
    return frozenset(out) if seen_any else ALL
