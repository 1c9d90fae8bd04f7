"""The embedded webhook receiver behind the desktop app's toggle (a box office on a reachable network).

The GUI calls `ReceiverToggle.turn_on()` / `turn_off()`; deliveries land in this data dir and are
applied at once, exactly as on a standalone relay (`webhooks serve`). Tokens come from the same
variables or OS keyring entries (see `webhooks.settings`), so the URLs stay the same between runs.
"""
from __future__ import annotations

from pathlib import Path

from checkin_app.webhooks.receiver import Receiver
from checkin_app.webhooks.settings import ReceiverConfig, load_config, where


class ReceiverToggle:
    """On/off for a receiver on this machine.

    Args:
        data_dir: the app's data dir.
        host, port: where to listen ("0.0.0.0" to be reachable from the internet-facing router).
        tickettailor_secret_env: variable holding Ticket Tailor's signing secret (None: route off).
        relay: also serve the relay routes, so other laptops can pull from this one.
    """

    def __init__(self, data_dir: Path, host: str = "127.0.0.1", port: int = 8787,
                 tickettailor_secret_env: str | None = None, relay: bool = False):
        self.data_dir = Path(data_dir)
        self.host, self.port = host, port
        self.tickettailor_secret_env = tickettailor_secret_env
        self.relay = relay
        self._receiver: Receiver | None = None

    @property
    def on(self) -> bool:
        return self._receiver is not None and self._receiver.running

    def turn_on(self) -> dict[str, str]:
        """Start listening; returns each route's URL (show them to the operator only).

        Raises:
            ConfigError: a missing token or secret, or the port is taken (nothing started).
        """
        if self._receiver is None:
            config = load_config(tickettailor_secret_env=self.tickettailor_secret_env, relay=self.relay)
            receiver = Receiver(self.data_dir, config, host=self.host, port=self.port)
            receiver.start()
            self._receiver = receiver
        return self._receiver.routes()

    def turn_off(self) -> None:
        if self._receiver is not None:
            self._receiver.stop()
            self._receiver = None


def standalone(data_dir: Path, *, host: str, port: int, public_url: str | None = None,
               tickettailor_secret_env: str | None = None, token_envs: dict[str, str | None] | None = None,
               max_body_bytes: int | None = None) -> tuple[Receiver, ReceiverConfig]:
    """`webhooks serve`'s receiver and relay, configured but not started (`start()`, then `stop()`).

    Raises:
        ConfigError: a missing token or secret.
    """
    extra = {} if max_body_bytes is None else {"max_body_bytes": max_body_bytes}
    config = load_config(tickettailor_secret_env=tickettailor_secret_env, token_envs=token_envs, **extra)
    return Receiver(data_dir, config, host=host, port=port, public_url=public_url), config


def secret_places(config: ReceiverConfig, token_envs: dict[str, str | None]) -> dict[str, str]:
    """Where each path token and the relay token are read from, in words an operator can act on
    (its variable or keyring entry), never the value: what `webhooks serve` prints instead of them."""
    return {name: where(name, token_envs.get(name)) for name in (*config.path_tokens, "relay")}
