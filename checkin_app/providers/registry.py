"""What each provider is, in one place: its name, the fields a connection to it needs, what it pushes.

Both ways of adding a connection read this: the Connections tab renders one form per spec
(`gui/connections_view.py`) and `checkin-app connect` builds its options from the same fields
(`cli/connections.py`), so the two always offer the same providers with the same settings (issue 16, "One
provider registry": this is its first step; symbologies, mappers and adapters join later).

Ticket Tailor has a full API, so check-ins, voids and walk-up tickets go back to it. The other
providers deliver by webhook or read-only pull: their acts stay local (and travel between doors).
"""
from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable

ACTIONS = frozenset({"checkin", "void", "issue"})  # "checkin" (an admission), "void", "issue" (walk-up ticket)


@dataclass(frozen=True)
class Field:
    """One setting a connection needs.

    Attributes:
        key: where the connection keeps it (`settings[key]`; a dotted key nests: `filters.eventname`).
            A secret's settings entry is a *reference* (keyring entry or environment variable).
        label: what the form calls it.
        option: the `connect` option. A secret's option names an environment variable holding it
            (`--token-env VAR`): a secret is never typed on a command line, where `ps` shows it.
        secret: kept in the OS keyring (or an environment variable), never in the database.
        required: a connection cannot be made without it.
        hint: placeholder text in the form and help on the command line.
        flag: an on/off setting (a check box in the form, an option without a value on the command line).
    """

    key: str
    label: str
    option: str
    secret: bool = False
    required: bool = False
    hint: str = ""
    flag: bool = False

    @property
    def dest(self) -> str:
        """The argparse attribute of `option` (`--api-key-env` -> `api_key_env`)."""
        return self.option.lstrip("-").replace("-", "_")

    @property
    def keyring_suffix(self) -> str:
        """The keyring entry is `<connection name>:<suffix>` (names kept from before the registry)."""
        return _KEYRING_SUFFIX.get(self.key, self.key)


_KEYRING_SUFFIX = {"secret": "api-key", "signing_secret": "secret"}


@dataclass(frozen=True)
class ProviderSpec:
    """A provider a door can connect to.

    Attributes:
        id: the stored provider id (`connections.provider`).
        name: how people call it ("Ticket Tailor").
        fields: what a connection needs, in form order.
        pushes: the acts that go back upstream (`ACTIONS`); empty for read-only providers.
        address: whether the connection takes an API address, and whether it must (a relay has no default).
        default_address: shown as the address placeholder; None when the provider takes no address.
        check: tries the credentials with one request, `check(base_url, values) -> what the provider
            said`; None where there is nothing to call (webhook-only providers).
        ticketing: False for the relay, which delivers other providers' webhooks.
        summary: one line for the form, saying what connecting does.
    """

    id: str
    name: str
    fields: tuple[Field, ...] = ()
    pushes: frozenset[str] = frozenset()
    address: str = "optional"  # "optional" | "required" | "none"
    default_address: str | None = None
    check: Callable[[str | None, dict[str, Any]], dict] | None = None
    ticketing: bool = True
    summary: str = ""

    @property
    def secrets(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.secret)


# -- connection checks: one request each, with the provider's own client ---------------------------

def _check_tickettailor(base_url: str | None, values: dict[str, Any]) -> dict:
    from checkin_app.providers.tickettailor_api import TicketTailorClient

    return TicketTailorClient(base_url, values["secret"]).ping()


def _check_oneticket(base_url: str | None, values: dict[str, Any]) -> dict:
    from checkin_app.providers.oneticket_api import DEFAULT_HEADER, OneTicketClient

    client = OneTicketClient(base_url, values["token"], header_name=values.get("token_header") or DEFAULT_HEADER)
    try:
        return client.verify()
    finally:
        client.close()


def _check_ticketevolution(base_url: str | None, values: dict[str, Any]) -> dict:
    from checkin_app.providers.ticketevolution_api import TicketEvolutionClient

    client = TicketEvolutionClient(base_url, values["token"], values["signing_secret"])
    try:
        return client.check()
    finally:
        client.close()


def _check_relay(base_url: str | None, values: dict[str, Any]) -> dict:
    from checkin_app.providers.relay import RelayClient

    client = RelayClient(base_url or "", values["token"])
    try:
        return client.ping()
    finally:
        client.close()


SPECS: dict[str, ProviderSpec] = {s.id: s for s in (
    ProviderSpec(
        "tickettailor", "Ticket Tailor",
        (Field("secret", "API key", "--api-key-env", secret=True, required=True, hint="sk_…"),),
        pushes=ACTIONS, default_address="https://api.tickettailor.com/v1", check=_check_tickettailor,
        summary="Downloads the box office's events and tickets; check-ins, voids and walk-ups go back to it."),
    ProviderSpec(
        "ticketor", "Ticketor", address="none",
        summary="Webhooks only: Ticketor sends sales to this app's webhook receiver (Advanced)."),
    ProviderSpec(
        "ticketsolve", "Ticketsolve", address="none",
        summary="Webhooks only: Ticketsolve sends orders to this app's webhook receiver (Advanced)."),
    ProviderSpec(
        "oneticket", "1Ticket",
        (Field("token", "API token", "--token-env", secret=True, required=True),
         Field("token_header", "Token header", "--token-header", hint="x-api-token (the newer API: x-api-key)"),
         Field("filters.eventdate", "Event date", "--event-date", hint="MM/DD/YYYY: pull the purchases for this date"),
         Field("filters.eventname", "Event name", "--event-name", hint="pull the purchases whose event name contains this")),
        default_address="https://1ticket.com/api", check=_check_oneticket,
        summary="Downloads purchases (read-only): check-ins stay at the venue's doors."),
    ProviderSpec(
        "ticketevolution", "Ticket Evolution",
        (Field("token", "API token", "--token-env", secret=True, required=True),
         Field("signing_secret", "API secret", "--secret-env", secret=True, required=True),
         Field("admit_pending", "Admit orders the seller has not accepted yet", "--admit-pending", flag=True,
               hint="off: pending orders are refused at the door")),
        default_address="https://api.ticketevolution.com/v9", check=_check_ticketevolution,
        summary="Downloads orders (read-only): check-ins stay at the venue's doors."),
    ProviderSpec(
        "relay", "Relay",
        (Field("token", "Relay token", "--token-env", secret=True, required=True),),
        address="required", check=_check_relay, ticketing=False,
        summary="Another laptop's webhook receiver: pulls the deliveries it received (`webhooks serve --relay`)."),
)}

#: Ticketing providers (the relay only carries their deliveries).
PROVIDERS = tuple(s.id for s in SPECS.values() if s.ticketing)
#: Everything `connect` (CLI and GUI) can add.
CONNECTABLE = tuple(SPECS)

def spec(provider: str) -> ProviderSpec:
    """The spec of a provider id.

    Raises:
        KeyError: not a provider this build knows (callers turn it into a user error).
    """
    return SPECS[provider]


def cli_fields() -> list[Field]:
    """Every option `connect` offers: each distinct option once, in registry order.

    Providers share an option where they share its meaning (`--token-env` for 1Ticket's, Ticket
    Evolution's and a relay's token); each spec keeps its own label.
    """
    seen: dict[str, Field] = {}
    for f in (f for s in SPECS.values() for f in s.fields):
        seen.setdefault(f.option, f)
    return list(seen.values())


def providers_taking(option: str) -> list[ProviderSpec]:
    return [s for s in SPECS.values() if any(f.option == option for f in s.fields)]


def pushes(provider: str, action: str) -> bool:
    known = SPECS.get(provider)
    return known is not None and action in known.pushes


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
