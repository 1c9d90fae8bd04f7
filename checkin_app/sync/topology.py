"""Which doors a door pulls from: every door up to ~10 doors, a few chosen ones beyond (gossip).

A full mesh costs every door N-1 pulls, and every row reaches every door N-1 times: fine for a
handful of doors, a core's worth at 50 (issue 18). Beyond `MESH_MAX_DOORS` known doors, each door
pulls from `fanout` of them (3 by default), and rows travel on by relay (a door serves every row
it holds, of every origin):

- one pull goes to the door just before this one on a ring of all doors (ordered by a hash of
  their device ids, the same order on every door): every door is pulled by the next one, so the
  venue's pull graph is strongly connected and every row reaches every door;
- the others go to doors chosen at random, deterministically (a hash of this door's id, the
  other door's id and the current period), and change every `rotate_s` seconds: shortcuts
  across the ring, so a row takes a few hops, not N/2, and no door depends on the same few
  peers for long (a partition around one of them heals at the next period).

Pure: the replicator asks `choose` with what it knows; the simulation harness asks it for the
emulated doors. Identities are device ids once a door answered (a URL until then).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

MESH_MAX_DOORS = 10  # up to this many doors (this one included) every door pulls every other
GOSSIP_FANOUT = 3
ROTATE_S = 60.0
MODES = ("auto", "mesh", "gossip")


@dataclass(frozen=True)
class Topology:
    mode: str  # "mesh" | "gossip": what this door does now
    doors: int  # doors known, this one included
    fanout: int  # doors pulled at once in gossip
    pulling: tuple[str, ...]  # peer keys (URLs) pulled now
    epoch: int  # the rotation period the choice belongs to (0 in a mesh)
    rotate_s: float

    def to_dict(self) -> dict:
        return {"mode": self.mode, "doors": self.doors, "fanout": self.fanout, "pulling": list(self.pulling),
                "epoch": self.epoch, "rotate_s": self.rotate_s}


def _rank(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


def choose(own: str, peers: dict[str, str], now: float, *, mode: str = "auto", fanout: int = GOSSIP_FANOUT,
           mesh_max: int = MESH_MAX_DOORS, rotate_s: float = ROTATE_S, most: int | None = None) -> Topology:
    """The peers to pull from now.

    Args:
        own: this door's device id.
        peers: peer key (URL) -> its identity (device id, or the URL while it is unknown). Keys
            with the same identity are one door (reached at two addresses): only one is pulled.
        now: unix seconds (the rotation period is taken from it).
        mode: "auto" (mesh up to `mesh_max` doors, gossip beyond), "mesh" or "gossip".
        fanout: doors pulled at once in gossip (at least 1).
        most: a mesh pulls at most this many doors (None: all).

    Returns:
        The topology; `pulling` is sorted.
    """
    by_identity: dict[str, str] = {}
    for key in sorted(peers):
        by_identity.setdefault(peers[key], key)
    by_identity.pop(own, None)  # this door at another address is not a peer
    doors = len(by_identity) + 1
    gossip = mode == "gossip" or (mode == "auto" and doors > mesh_max)
    if not gossip:  # every address, as before: one that fails must not hide another that works
        keys = sorted((k for k, i in peers.items() if i != own), key=lambda k: _rank(f"{own}|mesh|{k}"))[:most]
        return Topology("mesh", doors, len(keys), tuple(sorted(keys)), 0, rotate_s)
    fanout = max(1, fanout)
    epoch = int(now // rotate_s) if rotate_s > 0 else 0
    ring = sorted([own, *by_identity], key=_rank)
    before = ring[ring.index(own) - 1]  # the door just before this one (wraps around)
    chosen = [before] if before != own else []
    others = sorted((i for i in by_identity if i != before), key=lambda i: _rank(f"{own}|{epoch}|{i}"))
    chosen += others[:max(0, fanout - len(chosen))]
    return Topology("gossip", doors, fanout, tuple(sorted(by_identity[i] for i in chosen)), epoch, rotate_s)
