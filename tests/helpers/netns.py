"""Two doors on their own network: a network namespace each, joined by a veth "cable" that can
be pulled out and plugged back in (a real partition: no resets, packets just stop)."""
from __future__ import annotations

import os
import shutil
import subprocess

SUBNET = "10.231.7"


def ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=check)


class VenueNetwork:
    """Create on enter, remove on exit. `usable` is False where namespaces are not allowed."""

    def __init__(self, tag: str | None = None):
        tag = tag or f"ck{os.getpid() % 100000}"
        self.names = [f"{tag}a", f"{tag}b"]
        self.links = [f"{tag}va", f"{tag}vb"]
        self.hosts = [f"{SUBNET}.1", f"{SUBNET}.2"]
        self.usable = False

    def __enter__(self) -> "VenueNetwork":
        if os.geteuid() != 0 or shutil.which("ip") is None:
            return self
        if ip("netns", "add", self.names[0], check=False).returncode != 0:
            return self
        try:
            ip("netns", "add", self.names[1])
            ip("link", "add", self.links[0], "type", "veth", "peer", "name", self.links[1])
            for ns, link, host in zip(self.names, self.links, self.hosts):
                ip("link", "set", link, "netns", ns)
                ip("-n", ns, "addr", "add", f"{host}/24", "dev", link)
                ip("-n", ns, "link", "set", link, "up")
                ip("-n", ns, "link", "set", "lo", "up")
        except subprocess.CalledProcessError:  # e.g. namespaces allowed but no veth: not usable here
            self.__exit__()
            return self
        self.usable = True
        return self

    def cable(self, up: bool) -> None:
        ip("-n", self.names[0], "link", "set", self.links[0], "up" if up else "down")

    def __exit__(self, *exc) -> None:
        for ns in self.names:
            ip("netns", "del", ns, check=False)
