"""Secrets never reach a log line or an error in any form (issue 14 item 6): escaped, repr,
URL-encoded, base64 in Basic auth, inside a traceback; and are cleaned where they enter."""
import base64
import logging

import httpx
import pytest

from checkin_app import log, secrets
from checkin_app.errors import ConfigError
from tests.helpers.keyrings import memory_keyring

SECRET = "sk_live_4f9Q2xZ7pL0aB8cD3eF6"


@pytest.fixture(autouse=True)
def registered():
    log.redact(SECRET)


@pytest.mark.parametrize("form", [
    repr(SECRET + "\r"),                                                    # repr of the raw value
    repr(f"Bearer {SECRET}\r".encode()),                                    # httpx: Illegal header value b'...\r'
    '{"token": "%s\\r\\n"}' % SECRET,                                       # JSON-escaped
    "https://relay.example/hooks/x/" + SECRET.replace("_", "%5F"),          # over-encoded URL
    "/hooks/ticketor/" + "".join(f"%{b:02X}" for b in SECRET.encode()),     # every byte percent-encoded
    "Basic " + base64.b64encode(f"{SECRET}:".encode()).decode(),            # Ticket Tailor's Basic auth
    "Basic " + base64.b64encode(f"user:{SECRET}".encode()).decode(),        # as a password, any offset
    "Basic " + base64.b64encode(f"us:{SECRET}".encode()).decode(),
    "Basic " + base64.b64encode(f"u:{SECRET}".encode()).decode(),
])
def test_attack_every_form_of_a_secret_is_scrubbed(form):
    scrubbed = log.scrub(form)
    assert SECRET not in scrubbed and "***" in scrubbed
    for token in (SECRET[:10], SECRET[-10:]):
        assert token not in scrubbed
    encoded = base64.b64encode(SECRET.encode()).decode()
    assert encoded[4:-4] not in scrubbed


def test_attack_a_traceback_quoting_a_secret_is_scrubbed_in_the_log_file(tmp_path):
    path = log.setup(tmp_path)
    try:
        try:
            httpx.Headers({"Authorization": f"Bearer {SECRET}\r"})
            httpx.Request("GET", "http://127.0.0.1/", headers={"Authorization": f"Bearer {SECRET}\r"})
            raise RuntimeError(f"refused: {SECRET!r}")
        except Exception:
            logging.getLogger("checkin_app.test").exception("failed with %r", SECRET + "\r")
    finally:
        log.setup(None)
    text = path.read_text()
    assert "Traceback" in text and "***" in text and SECRET not in text


def test_a_stray_cr_or_spaces_around_a_secret_are_stripped_at_entry(monkeypatch):
    monkeypatch.setenv("TOK", f"  {SECRET}\r\n")
    assert secrets.from_env("TOK") == SECRET


@pytest.mark.parametrize("value", [f"{SECRET[:8]}\r{SECRET[8:]}", f"{SECRET}\x01x", f"a\tb{SECRET}"])
def test_attack_control_characters_inside_a_secret_are_refused_without_quoting_it(monkeypatch, value):
    monkeypatch.setenv("TOK", value)
    with pytest.raises(ConfigError, match="TOK has a control character") as caught:
        secrets.from_env("TOK")
    assert SECRET[:8] not in str(caught.value) and SECRET[8:] not in str(caught.value)


def test_keyring_values_are_cleaned_on_read():
    entries = {("checkin-app", "box:api-key"): SECRET + "\r\n", ("checkin-app", "bad"): "ab\x07cdefgh"}
    with memory_keyring(entries) as backend:
        assert secrets.resolve({"keyring": "box:api-key"}) == SECRET
        assert secrets.keyring_get("box:api-key") == SECRET
        with pytest.raises(ConfigError, match="control character"):
            secrets.keyring_get("bad")
        assert secrets.remember("other", f"{SECRET}\n", None) == {"keyring": "other"}
        assert backend.entries[("checkin-app", "other")] == SECRET
