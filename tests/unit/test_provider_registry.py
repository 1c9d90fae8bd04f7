"""Issue 16 §2: one provider registry. Every spec is complete, and the lists that used to name
providers on their own now read it (a provider added to the registry reaches them)."""
from __future__ import annotations

import inspect
import threading
import typing

import pytest

from checkin_app.domain import provider_facts
from checkin_app.domain.models import PROVIDER_NAMES
from checkin_app.errors import ConfigError
from checkin_app.providers import registry
from checkin_app.scanning import formats
from checkin_app.sync import engine
from checkin_app.sync.adapter import PullAdapter, read_settings
from checkin_app.webhooks.receiver import ReceiverConfig, build_app

#: Where each provider's simulator lives: a loopback server that speaks its API (the demo's Ticket
#: Tailor box office in checkin_app/sandbox/, the test-only ones in tests/simulators/), a builder of
#: its webhook payloads, or (for the relay) a real relay process. Candidates are tried in order.
SIMULATORS: dict[str, tuple[str, ...]] = {
    "tickettailor": ("checkin_app.sandbox.tickettailor:TicketTailorSandbox",),
    "ticketor": ("tests.helpers.webhooks:ticketor_invoice",),
    "ticketsolve": ("tests.helpers.webhooks:ticketsolve_order",),
    "oneticket": ("tests.simulators.oneticket:OneTicketSandbox",),
    "ticketevolution": ("tests.simulators.ticketevolution:TicketEvolutionSandbox",),
    "relay": ("tests.helpers.relay_process:RelayProcess",),
}


def simulator(provider: str):
    """The first candidate that imports, or None."""
    for path in SIMULATORS.get(provider, ()):
        try:
            return registry.load(path)
        except (ImportError, AttributeError):
            continue
    return None


SPECS = list(registry.SPECS.values())
IDS = [s.id for s in SPECS]


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_every_spec_has_a_mapper_a_way_in_and_a_simulator(spec):
    if spec.ticketing:  # a relay carries other providers' payloads: their mappers read them
        mapper = registry.load(spec.mapper)
        assert mapper.PROVIDER == spec.id
    assert spec.adapter or spec.webhook, f"{spec.id}: neither a sync adapter nor a webhook route"
    if spec.adapter:
        factory = registry.load(spec.adapter)
        made = typing.get_type_hints(factory)["return"]
        assert inspect.isclass(made) and issubclass(made, PullAdapter), f"{spec.id}: {made} is not a PullAdapter"
    if spec.client:
        assert inspect.isclass(registry.load(spec.client))
    assert simulator(spec.id) is not None, f"{spec.id}: no simulator (tests/unit/test_provider_registry.py SIMULATORS)"
    assert spec.symbologies and spec.symbologies <= formats.ALL


def test_the_simulator_table_names_only_registered_providers():
    assert set(SIMULATORS) == set(registry.SPECS)


def test_webhook_routes_are_served(tmp_path):
    config = ReceiverConfig(tickettailor_secret="s" * 32, path_tokens={p: "t" * 32 for p in ("ticketor", "ticketsolve")})
    app, writer = build_app(tmp_path, config)
    try:
        paths = {route.path for route in app.routes}
    finally:
        writer.close()
    for spec in SPECS:
        if spec.webhook is None:
            continue
        if spec.webhook.auth == "signature":
            assert f"/hooks/{spec.id}" in paths
        else:
            assert spec.webhook.auth == "path_token"
            assert "/hooks/{provider}/{token}" in paths
            assert spec.id in registry.webhook_providers("path_token")


def test_the_lists_read_the_registry():
    for spec in SPECS:
        assert spec.facts is provider_facts.FACTS[spec.id]
        assert PROVIDER_NAMES[spec.id] == spec.name
        assert formats.for_providers([spec.id]) == spec.symbologies
    assert registry.CONNECTABLE == tuple(IDS)


class _PlantedAdapter(PullAdapter):
    takes_nothing_back = "planted"


def make_planted(store, connection, progress, cancel) -> _PlantedAdapter:
    return _PlantedAdapter(store, connection, None, progress, cancel)


def test_sync_makes_the_adapter_a_spec_names(monkeypatch):
    """A provider added to the registry is synced with its adapter: the engine keeps no list of its own."""
    planted = registry.ProviderSpec(provider_facts.ProviderFacts("planted", "Planted", formats.ALL),
                                    adapter=f"{__name__}:make_planted")
    monkeypatch.setitem(registry.SPECS, "planted", planted)
    connection = type("C", (), {"provider": "planted", "settings": {}})()
    made = engine.adapter_for(None, connection, None, threading.Event())
    assert isinstance(made, _PlantedAdapter)
    monkeypatch.delitem(registry.SPECS, "planted")
    with pytest.raises(ConfigError, match="not available for planted"):
        engine.adapter_for(None, connection, None, threading.Event())


def test_webhook_only_providers_are_refused_a_sync_with_the_way_in():
    connection = type("C", (), {"provider": "ticketor", "settings": {}})()
    with pytest.raises(ConfigError, match="webhook only"):
        engine.adapter_for(None, connection, None, threading.Event())


def test_code_variants_come_from_each_specs_mapper(monkeypatch):
    # Ticketor's numeric codes read by an EAN scanner gain a leading zero (providers/ticketor.py).
    assert registry.code_variants("0123456789012") == ["123456789012"]
    registry._variant_functions.cache_clear()
    monkeypatch.setitem(registry.SPECS, "ticketor", registry.ProviderSpec(provider_facts.TICKETOR, mapper=None,
                                                                          webhook=registry.SPECS["ticketor"].webhook))
    try:
        assert registry.code_variants("0123456789012") == []
    finally:
        registry._variant_functions.cache_clear()


@pytest.mark.parametrize("spec", [s for s in SPECS if s.adapter], ids=[s.id for s in SPECS if s.adapter])
def test_each_adapter_reads_the_typed_settings_its_spec_names(spec):
    made = typing.get_type_hints(registry.load(spec.adapter))["return"]
    assert made.Settings is registry.load(spec.settings)
    assert read_settings(made.Settings, {}) == made.Settings()  # every setting has a default


def test_a_setting_of_the_wrong_type_is_refused_by_name():
    from checkin_app.sync.oneticket import OneTicketSettings
    from checkin_app.sync.ticketevolution import TicketEvolutionSettings

    assert read_settings(OneTicketSettings, {"seat_reread_every_s": 5, "token": {"env": "X"}}).seat_reread_every_s == 5.0
    assert read_settings(TicketEvolutionSettings, {"states": ["pending"]}).states == ("pending",)
    with pytest.raises(ConfigError, match="'seat_rereads_per_sync' should be int"):
        read_settings(OneTicketSettings, {"seat_rereads_per_sync": "fifty"})
    with pytest.raises(ConfigError, match="'admit_pending' should be bool"):
        read_settings(TicketEvolutionSettings, {"admit_pending": "no"})
    with pytest.raises(ConfigError, match="'states'"):
        read_settings(TicketEvolutionSettings, {"states": [1, 2]})
    with pytest.raises(ConfigError, match="'seat_rereads_per_sync'"):
        read_settings(OneTicketSettings, {"seat_rereads_per_sync": True})
