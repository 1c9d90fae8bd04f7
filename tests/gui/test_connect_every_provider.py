"""Every provider the CLI can connect, the Connections tab can add: one registry, one list.

Each provider with a connection test is checked over real loopback against its simulator (a
relay against a real `webhooks serve` subprocess): a wrong secret is refused by the far end and
saves nothing; the right one is added with its secret kept as a reference, never in the database.
"""
import argparse
import contextlib

import pytest
from PySide6.QtWidgets import QCheckBox, QLineEdit

from checkin_app.cli import build_parser
from checkin_app.gui.connections_view import ConnectionsView
from checkin_app.providers import registry
from checkin_app.sandbox.tickettailor import TicketTailorSandbox
from checkin_app.store import Store
from checkin_app.store import connections as conns
from tests.helpers.relay_process import RelayProcess
from tests.helpers.webhooks import RELAY_TOKEN
from tests.simulators.oneticket import OneTicketSandbox
from tests.simulators.ticketevolution import TicketEvolutionSandbox


def connect_parser() -> argparse.ArgumentParser:
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices["connect"]


@contextlib.contextmanager
def far_end(provider: str, tmp_path):
    """(base URL or None, the right secret per field key, the typed non-secret settings)."""
    if provider == "tickettailor":
        with TicketTailorSandbox("sk_every_provider_1", seed=3) as sim:
            yield sim.base_url, {"secret": sim.api_key}, {}
    elif provider == "oneticket":
        with OneTicketSandbox(token="1t_" + "e" * 30, header_name="x-api-key") as sim:
            yield sim.base_url, {"token": sim.token}, {"token_header": "x-api-key", "filters.eventname": "sugar"}
    elif provider == "ticketevolution":
        with TicketEvolutionSandbox(token="tevo_tok_" + "f" * 20, secret="tevo_sec_" + "g" * 20) as sim:
            yield sim.base_url, {"token": sim.token, "signing_secret": sim.secret}, {}
    elif provider == "relay":
        with RelayProcess(tmp_path / "relay") as relay:
            yield relay.info["base_url"], {"token": RELAY_TOKEN}, {}
    else:  # webhook-only: nothing to call
        assert registry.spec(provider).check is None
        yield None, {}, {}


def test_the_form_and_the_cli_offer_the_same_providers_and_fields(qtbot, empty_tasks):
    view = ConnectionsView(empty_tasks)
    qtbot.addWidget(view)
    offered = [view.provider.itemData(i) for i in range(view.provider.count())]
    parser = connect_parser()
    choices = next(a for a in parser._actions if a.dest == "provider").choices
    assert offered == list(choices) == list(registry.CONNECTABLE)
    assert {"oneticket", "ticketevolution"} <= set(offered)  # missing from the tab before the registry
    for provider in offered:
        spec, form = registry.spec(provider), view.forms[provider]
        assert set(form.values) == {f.key for f in spec.fields}
        for f in spec.fields:
            assert f.option in parser._option_string_actions, f.option
            widget = form.values[f.key]
            if f.flag:  # an on/off setting is a check box here and an option without a value there
                assert isinstance(widget, QCheckBox) and parser._option_string_actions[f.option].nargs == 0
                continue
            assert (widget.echoMode() == QLineEdit.Password) == f.secret
            assert (f.key in form.envs) == f.secret  # a secret may name its variable instead


@pytest.mark.parametrize("provider", registry.CONNECTABLE)
def test_every_provider_can_be_added_from_the_form(qtbot, empty_tasks, tmp_path, monkeypatch, provider):
    spec = registry.spec(provider)
    view = ConnectionsView(empty_tasks)
    qtbot.addWidget(view)
    view.provider.setCurrentIndex(view.provider.findData(provider))
    form = view.forms[provider]
    assert view.provider_pages.currentWidget() is form

    def say(button):
        with qtbot.waitSignal(view.message, timeout=30_000, check_params_cb=lambda t, ok: not t.endswith("…")) as m:
            button.click()
        return m.args

    with far_end(provider, tmp_path) as (base_url, right, settings):
        view.name.setText(f"my {provider}")
        if base_url:
            view.base_url.setText(base_url)
        for key, value in settings.items():
            form.values[key].setText(value)
        if spec.check is not None:
            for f in spec.secrets:  # the test keyring refuses everything: the secrets come by variable
                monkeypatch.setenv(f"GUI_{f.key.upper()}", "wrong-" + right[f.key])
                form.envs[f.key].setText(f"GUI_{f.key.upper()}")
            text, ok = say(view.test_button)
            assert not ok and "refused" in text.lower(), text  # the far end said no
            text, ok = say(view.add_button)
            assert not ok
            for f in spec.secrets:
                monkeypatch.setenv(f"GUI_{f.key.upper()}", right[f.key])
            text, ok = say(view.test_button)
            assert ok and text.startswith("Connection works"), text
        text, ok = say(view.add_button)
        assert ok and text.startswith(f"Added my {provider}"), text

    with Store(tmp_path / "door") as store:
        [connection] = conns.all_connections(store.conn)
    assert connection.provider == provider and connection.name == f"my {provider}"
    for f in spec.secrets:
        assert connection.settings[f.key] == {"env": f"GUI_{f.key.upper()}"}
    if provider == "oneticket":
        assert connection.settings["token_header"] == "x-api-key"
        assert connection.settings["filters"] == {"eventname": "sugar"}
    qtbot.waitUntil(lambda: [r["name"] for r in view.model.rows] == [f"my {provider}"], timeout=10_000)


def test_webhook_receiver_and_relay_settings_are_under_advanced(qtbot, empty_tasks):
    view = ConnectionsView(empty_tasks)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    assert not view.webhooks_box.isVisible() and "Advanced" in view.advanced.text()
    view.advanced.click()
    assert view.webhooks_box.isVisible() and view.webhooks_box.relay.isVisible()
    view.advanced.click()
    assert not view.webhooks_box.isVisible()
