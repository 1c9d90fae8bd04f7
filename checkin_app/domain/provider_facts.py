"""Who each provider is, as the door speaks of it: its id, its name and the symbologies it prints.

This is the part of a provider's registry entry (`providers/registry.py`, `ProviderSpec.facts`)
that the lower layers need: the verdict engine names the provider ("Check with a supervisor:
Ticket Tailor says 'x'", "Already checked in … via 1Ticket") and the scanner decodes only what the
configured providers print. The domain imports nothing above it and the scanner may not import
`providers/`, so these facts live here and the registry holds them; nothing else lists providers.
"""
from __future__ import annotations

from dataclasses import dataclass

from checkin_app.domain.symbologies import ALL, AZTEC, CODE39, CODE128, ITF, PDF417, QR


@dataclass(frozen=True)
class ProviderFacts:
    """Attributes:
        id: the stored provider id (`connections.provider`, `tickets.provider`).
        name: how people call it ("Ticket Tailor"): messages at the door say "via Ticket Tailor".
        symbologies: what its tickets carry (docs/providers.md, "Symbologies at the door").
    """

    id: str
    name: str
    symbologies: frozenset[str]


# Ticket Tailor: a QR and a 1D image per ticket (Code128). Ticketor: one numeric code as both a 1D
# barcode and a QR. Ticketsolve: 10 upper-case alphanumerics, QR or Code128 on the PDF. 1Ticket and
# Ticket Evolution resell primary tickets (Ticketmaster and others): mobile QR, wallet PDF417/Aztec,
# and older box-office stock in Code128/Code39/ITF.
_RESOLD = frozenset({QR, CODE128, CODE39, ITF, PDF417, AZTEC})
TICKETTAILOR = ProviderFacts("tickettailor", "Ticket Tailor", frozenset({QR, CODE128}))
TICKETOR = ProviderFacts("ticketor", "Ticketor", frozenset({QR, CODE128}))
TICKETSOLVE = ProviderFacts("ticketsolve", "Ticketsolve", frozenset({QR, CODE128}))
ONETICKET = ProviderFacts("oneticket", "1Ticket", _RESOLD)
TICKETEVOLUTION = ProviderFacts("ticketevolution", "Ticket Evolution", _RESOLD)
#: A relay forwards other laptops' webhook deliveries: it can carry anything a provider prints.
RELAY = ProviderFacts("relay", "Relay", ALL)
#: Tickets issued at this door (walk-ups) and acts recorded here.
LOCAL = ProviderFacts("local", "this door", ALL)

FACTS: dict[str, ProviderFacts] = {f.id: f for f in (
    TICKETTAILOR, TICKETOR, TICKETSOLVE, ONETICKET, TICKETEVOLUTION, RELAY, LOCAL)}

#: How people call each provider, by id.
NAMES: dict[str, str] = {f.id: f.name for f in FACTS.values()}
