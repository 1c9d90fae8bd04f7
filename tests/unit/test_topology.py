"""Which doors a door pulls: every one up to 10 doors, beyond that 3 (a ring neighbour and two
rotating random ones), so the venue's pull graph stays connected and each door's cost flat."""
from checkin_app.sync.topology import MESH_MAX_DOORS, choose


def _venue(n: int) -> list[str]:
    return [f"device{i:03d}" for i in range(n)]


def _graph(ids: list[str], now: float) -> dict[str, set[str]]:
    """door -> the doors it pulls from."""
    return {me: set(choose(me, {f"http://{i}": i for i in ids if i != me}, now).pulling) for me in ids}


def _reaches_everyone(graph: dict[str, set[str]], start: str) -> bool:
    """Rows of `start` flow to every door that (transitively) pulls from it."""
    pulled_by = {d: {o for o, pulls in graph.items() if f"http://{d}" in pulls} for d in graph}
    seen, todo = {start}, [start]
    while todo:
        for nxt in pulled_by[todo.pop()] - seen:
            seen.add(nxt)
            todo.append(nxt)
    return seen == set(graph)


def test_a_mesh_up_to_ten_doors_and_gossip_beyond():
    ids = _venue(MESH_MAX_DOORS)
    t = choose(ids[0], {f"http://{i}": i for i in ids[1:]}, 0.0)
    assert (t.mode, t.doors, len(t.pulling)) == ("mesh", 10, 9)
    ids = _venue(MESH_MAX_DOORS + 1)
    t = choose(ids[0], {f"http://{i}": i for i in ids[1:]}, 0.0)
    assert (t.mode, t.doors, len(t.pulling)) == ("gossip", 11, 3)
    assert choose(ids[0], {f"http://{i}": i for i in ids[1:4]}, 0.0, mode="gossip").mode == "gossip"
    assert len(choose(ids[0], {f"http://{i}": i for i in ids[1:]}, 0.0, mode="mesh").pulling) == 10


def test_every_row_reaches_every_door_at_150_doors_in_every_period():
    ids = _venue(150)
    for now in (0.0, 61.0, 3600.0):
        graph = _graph(ids, now)
        assert all(len(p) == 3 for p in graph.values())
        assert all(_reaches_everyone(graph, d) for d in ids[:20])  # strongly connected (the ring)


def test_the_choice_is_deterministic_and_rotates():
    ids = _venue(40)
    peers = {f"http://{i}": i for i in ids[1:]}
    first = choose(ids[0], peers, 10.0)
    assert choose(ids[0], dict(reversed(list(peers.items()))), 50.0) == first  # same period, any order
    later = [choose(ids[0], peers, 60.0 * k + 1).pulling for k in range(1, 6)]
    assert any(set(p) != set(first.pulling) for p in later)  # the random ones change
    ring = set.intersection(set(first.pulling), *map(set, later))
    assert len(ring) == 1  # the ring neighbour stays


def test_one_door_at_two_addresses_is_one_door_in_gossip():
    peers = {f"http://d{i}": f"dev{i}" for i in range(12)} | {"http://alias-of-d3": "dev3", "http://me": "me"}
    t = choose("me", peers, 0.0)
    assert t.doors == 13 and len(t.pulling) == 3
    assert not {"http://d3", "http://alias-of-d3"} <= set(t.pulling)
