"""An OS keyring in memory, for tests that need one (the suite otherwise runs with the failing backend)."""
from __future__ import annotations

import contextlib
from typing import Iterator

import keyring
from keyring.backend import KeyringBackend


class MemoryKeyring(KeyringBackend):
    priority = 1

    def __init__(self, entries: dict | None = None):
        super().__init__()
        self.entries = dict(entries or {})

    def get_password(self, service, username):
        return self.entries.get((service, username))

    def set_password(self, service, username, password):
        self.entries[(service, username)] = password

    def delete_password(self, service, username):
        self.entries.pop((service, username), None)


@contextlib.contextmanager
def memory_keyring(entries: dict | None = None) -> Iterator[MemoryKeyring]:
    """Use a MemoryKeyring (holding `entries`, keyed by (service, entry)) for the duration."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring(entries)
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)
