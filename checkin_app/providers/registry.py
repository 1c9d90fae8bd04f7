"""What each provider is, in one place: one `ProviderSpec` per provider.

A spec holds the provider's facts (id, display name, symbologies: `domain/provider_facts.py`, where
the verdict engine and the scanner, which may not import this layer, read them), the fields a
connection needs, what it pushes, its connection check, and where its code lives: its client, its
mapper (with the code variants it issues), its sync adapter or its webhook route, and what cannot
reach the door from it. Every list of providers reads this: `checkin-app connect` builds its
options from the fields and the Connections tab renders one form per spec; `sync/engine.py` makes
the spec's adapter; the webhook receiver serves the specs' routes with the variables named here;
the door's status says each spec's `cannot_reach`; `tests/unit/test_provider_registry.py` checks
every spec has a mapper, an adapter or a webhook route, and a simulator.

Code is named by dotted path ("module:attribute") rather than imported: the adapters live in
`sync/`, above this layer, and importing every provider's client to read a name would make the
registry the heaviest import of the app. `load()` resolves a path; the test resolves them all.

Ticket Tailor has a full API, so check-ins, voids and walk-up tickets go back to it. The other
providers deliver by webhook or read-only pull: their acts stay local (and travel between doors).
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable

from checkin_app.domain import provider_facts as facts
from checkin_app.domain.provider_facts import ProviderFacts

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
class Webhook:
    """How the provider's deliveries reach the receiver (`webhooks/receiver.py`).

    Attributes:
        auth: "signature" (the provider signs each delivery with its secret: `/hooks/<id>`) or
            "path_token" (the provider can send no secret, so the URL carries one we choose:
            `/hooks/<id>/<token>`).
        env: the environment variable holding that secret or token by default.
    """

    auth: str
    env: str


@dataclass(frozen=True)
class ProviderSpec:
    """A provider a door can connect to.

    Attributes:
        facts: id, display name and symbologies (`domain/provider_facts.py`).
        fields: what a connection needs, in form order.
        pushes: the acts that go back upstream (`ACTIONS`); empty for read-only providers.
        address: whether the connection takes an API address, and whether it must (a relay has no default).
        default_address: shown as the address placeholder; None when the provider takes no address.
        check: tries the credentials with one request, `check(base_url, values) -> what the provider
            said`; None where there is nothing to call (webhook-only providers).
        ticketing: False for the relay, which delivers other providers' webhooks.
        summary: one line for the form, saying what connecting does.
        client: its HTTP client class ("module:Class"); None for a webhook-only provider.
        mapper: the module mapping its payloads to domain types; its `code_variants(code)`, when
            it has one, gives the other forms of a scanned code it issues.
        adapter: its sync adapter factory ("module:make_adapter", `make_adapter(store, connection,
            progress, cancel)` -> a `sync.adapter.PullAdapter`); None when it delivers by webhook only.
        webhook: its route on the webhook receiver; None when it sends no webhooks we take.
        cannot_reach: what its changes cannot bring to the door, or how late (said where
            connections are shown, so nobody expects the door to know what it cannot).
        settings: its adapter's typed connection settings ("module:Class", a frozen dataclass read
            by `sync.adapter.read_settings`, which refuses a value of the wrong type by name).
    """

    facts: ProviderFacts
    fields: tuple[Field, ...] = ()
    pushes: frozenset[str] = frozenset()
    address: str = "optional"  # "optional" | "required" | "none"
    default_address: str | None = None
    check: Callable[[str | None, dict[str, Any]], dict] | None = None
    ticketing: bool = True
    summary: str = ""
    client: str | None = None
    mapper: str | None = None
    adapter: str | None = None
    webhook: Webhook | None = None
    cannot_reach: str = ""
    settings: str | None = None

    @property
    def id(self) -> str:
        return self.facts.id

    @property
    def name(self) -> str:
        return self.facts.name

    @property
    def symbologies(self) -> frozenset[str]:
        return self.facts.symbologies

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
        facts.TICKETTAILOR,
        (Field("secret", "API key", "--api-key-env", secret=True, required=True, hint="sk_…"),),
        pushes=ACTIONS, default_address="https://api.tickettailor.com/v1", check=_check_tickettailor,
        summary="Downloads the box office's events and tickets; check-ins, voids and walk-ups go back to it.",
        client="checkin_app.providers.tickettailor_api:TicketTailorClient", mapper="checkin_app.providers.tickettailor",
        adapter="checkin_app.sync.tickettailor:make_adapter", settings="checkin_app.sync.tickettailor:TicketTailorSettings",
        webhook=Webhook("signature", "CHECKIN_TICKETTAILOR_SECRET"),
        cannot_reach="Ticket Tailor sends no check-in webhook: check-ins made elsewhere arrive with the next sync"),
    ProviderSpec(
        facts.TICKETOR, address="none",
        summary="Webhooks only: Ticketor sends sales to this app's webhook receiver (Advanced).",
        mapper="checkin_app.providers.ticketor", webhook=Webhook("path_token", "CHECKIN_TICKETOR_TOKEN"),
        cannot_reach="Ticketor sends no refund or return webhook: refunds reach the door only by a CSV import or a "
                     "supervisor void"),
    ProviderSpec(
        facts.TICKETSOLVE, address="none",
        summary="Webhooks only: Ticketsolve sends orders to this app's webhook receiver (Advanced).",
        mapper="checkin_app.providers.ticketsolve", webhook=Webhook("path_token", "CHECKIN_TICKETSOLVE_TOKEN"),
        cannot_reach="Ticketsolve sends no refund, void or check-in webhook: refunds reach the door only by a CSV "
                     "import or a supervisor void"),
    ProviderSpec(
        facts.ONETICKET,
        (Field("token", "API token", "--token-env", secret=True, required=True),
         Field("token_header", "Token header", "--token-header", hint="x-api-token (the newer API: x-api-key)"),
         Field("filters.eventdate", "Event date", "--event-date", hint="MM/DD/YYYY: pull the purchases for this date"),
         Field("filters.eventname", "Event name", "--event-name", hint="pull the purchases whose event name contains this")),
        default_address="https://1ticket.com/api", check=_check_oneticket,
        summary="Downloads purchases (read-only): check-ins stay at the venue's doors.",
        client="checkin_app.providers.oneticket_api:OneTicketClient", mapper="checkin_app.providers.oneticket",
        adapter="checkin_app.sync.oneticket:make_adapter", settings="checkin_app.sync.oneticket:OneTicketSettings",
        cannot_reach="1Ticket sends no webhooks: voids and seat changes arrive with the next sync"),
    ProviderSpec(
        facts.TICKETEVOLUTION,
        (Field("token", "API token", "--token-env", secret=True, required=True),
         Field("signing_secret", "API secret", "--secret-env", secret=True, required=True),
         Field("admit_pending", "Admit orders the seller has not accepted yet", "--admit-pending", flag=True,
               hint="off: pending orders are refused at the door")),
        default_address="https://api.ticketevolution.com/v9", check=_check_ticketevolution,
        summary="Downloads orders (read-only): check-ins stay at the venue's doors.",
        client="checkin_app.providers.ticketevolution_api:TicketEvolutionClient",
        mapper="checkin_app.providers.ticketevolution", adapter="checkin_app.sync.ticketevolution:make_adapter",
        settings="checkin_app.sync.ticketevolution:TicketEvolutionSettings",
        cannot_reach="Ticket Evolution sends no webhooks: cancelled orders arrive with the next sync"),
    ProviderSpec(
        facts.RELAY,
        (Field("token", "Relay token", "--token-env", secret=True, required=True),),
        address="required", check=_check_relay, ticketing=False,
        summary="Another laptop's webhook receiver: pulls the deliveries it received (`webhooks serve --relay`).",
        # A relay's deliveries are other providers' payloads: their own mappers read them.
        client="checkin_app.providers.relay:RelayClient", adapter="checkin_app.sync.relay:make_adapter",
        settings="checkin_app.sync.adapter:NoSettings"),
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


def load(path: str) -> Any:
    """The module ("package.module") or attribute ("package.module:name") a dotted path names."""
    module, _, attribute = path.partition(":")
    found = importlib.import_module(module)
    return getattr(found, attribute) if attribute else found


def webhook_providers(auth: str) -> tuple[str, ...]:
    """The providers whose deliveries the receiver authenticates this way ("signature" | "path_token")."""
    return tuple(s.id for s in SPECS.values() if s.webhook is not None and s.webhook.auth == auth)


def webhook_only(provider: str) -> bool:
    """Deliveries are all there is from this provider (no adapter pulls it)."""
    known = SPECS.get(provider)
    return known is not None and known.webhook is not None and known.adapter is None


@lru_cache(maxsize=None)
def _variant_functions() -> tuple[Callable[[str], list[str]], ...]:
    found = []
    for s in SPECS.values():
        fn = getattr(load(s.mapper), "code_variants", None) if s.mapper else None
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
