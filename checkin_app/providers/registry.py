"""What each provider can do, in one place: which acts are pushed upstream, code variants.

Ticket Tailor has a full API, so check-ins, voids and walk-up tickets go back to it. The other
providers deliver by webhook or read-only pull: their acts stay local (and travel between doors).
"""
from __future__ import annotations

import importlib
import importlib.util
from functools import lru_cache
from typing import Callable

PROVIDERS = ("tickettailor", "ticketor", "ticketsolve", "oneticket", "ticketevolution")

# action names: "checkin" (an admission), "void", "issue" (walk-up ticket)
_PUSHED: dict[str, frozenset[str]] = {
    "tickettailor": frozenset({"checkin", "void", "issue"}),
}


def pushes(provider: str, action: str) -> bool:
    return action in _PUSHED.get(provider, frozenset())


@lru_cache(maxsize=None)
def _variant_functions() -> tuple[Callable[[str], list[str]], ...]:
    found = []
    for name in PROVIDERS:
        # Providers without a mapper module in this build simply offer no variants.
        if importlib.util.find_spec(f"checkin_app.providers.{name}") is None:
            continue
        module = importlib.import_module(f"checkin_app.providers.{name}")
        fn = getattr(module, "code_variants", None)
        if fn is not None:
            found.append(fn)
    return tuple(found)


def code_variants(code: str) -> list[str]:
    """Other forms of a scanned code that providers issue (tried only when the exact code is unknown)."""
    out: list[str] = []
    for fn in _variant_functions():
        for variant in fn(code):
            if variant != code and variant not in out:
                out.append(variant)
    return out
