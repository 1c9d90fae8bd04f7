"""The replay cache: a nonce is refused while remembered, forgotten after its time, and expiring
touches only what expires (the old cache rebuilt itself whole on every request past 1,024)."""
from checkin_app.sync import door_auth
from checkin_app.sync.nonce_cache import NonceCache

KEY = door_auth.new_key()


def test_a_nonce_is_refused_while_remembered_and_forgotten_after():
    cache = NonceCache(keep_s=600)
    assert cache.add("n1", 1000.0)
    assert not cache.add("n1", 1599.0)  # a replay inside the window
    assert cache.add("n2", 1500.0)
    assert cache.add("n3", 1601.0) and len(cache) == 2  # n1 (seen at 1000) expired; n2 kept
    assert cache.add("n1", 1602.0)  # its request time is refused by the verifier long before this


def test_a_busy_door_keeps_only_the_window():
    """10,000 requests over 21 minutes: those of the last 10 minutes stay, older ones go (the old
    cache kept every nonce until it held 1,024, and pruned by rebuilding on each request)."""
    cache = NonceCache(keep_s=600)
    for n in range(10_000):
        assert cache.add(f"n{n}", n * 0.125)
    assert len(cache) == 4801  # seen at >= 1249.875 - 600 (n >= 5199)


def test_the_verifier_refuses_a_replay_and_keeps_nonces_twice_the_window():
    verifier = door_auth.RequestVerifier(KEY, window_s=300)
    headers = door_auth.sign_request(KEY, "door-b", "GET", "/door/v1/hello", b"", now=1000.0)
    assert verifier.verify("GET", "/door/v1/hello", headers, b"", now=1000.0)
    assert verifier.verify("GET", "/door/v1/hello", headers, b"", now=1299.0) is None  # replayed
    later = door_auth.sign_request(KEY, "door-b", "GET", "/door/v1/hello", b"", now=1650.0)
    assert verifier.verify("GET", "/door/v1/hello", later, b"", now=1650.0)
    assert len(verifier._seen) == 1  # the first one expired (the old cache kept up to 1,024 forever)
    verifier = door_auth.RequestVerifier(KEY, window_s=300)
    assert verifier.verify("GET", "/door/v1/hello", headers, b"", now=1000.0)
    for n in range(3000):  # a busy door: the first nonce is still refused (kept by time, not count)
        h = door_auth.sign_request(KEY, "door-b", "GET", "/door/v1/hello", b"", now=1001.0)
        assert verifier.verify("GET", "/door/v1/hello", h, b"", now=1001.0 + n * 0.01)
    assert verifier.verify("GET", "/door/v1/hello", headers, b"", now=1299.5) is None
    assert len(verifier._seen) == 3001
    late = door_auth.sign_request(KEY, "door-b", "GET", "/door/v1/hello", b"", now=1700.0)
    assert verifier.verify("GET", "/door/v1/hello", late, b"", now=1700.0)
    assert len(verifier._seen) == 1  # everything seen before 1100 s expired
