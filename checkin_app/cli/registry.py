"""The one command registry: `@command` registers a handler with its arguments and shared options.

A command module declares each command once, next to its handler:

    @command("search", arg("query"), arg("--limit", type=int, default=20), help="...", options=("json", "event"))
    def _search(args) -> int: ...

`build_parser` (cli/main.py) turns the registry into argparse sub-parsers in registration order.
Options several commands share (`--json`, `--device`, `--event`, `--data-dir`) are declared here once,
in `COMMON`; a command names the ones it takes. A name with a space (`"doors serve"`) is an action of
a `group` ("doors"), whose sub-parsers are required.
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from typing import Callable

Handler = Callable[[argparse.Namespace], int]


@dataclass(frozen=True)
class Arg:
    """One `add_argument` call, kept until the parser is built."""
    flags: tuple[str, ...]
    options: dict

    def add_to(self, parser, **override) -> None:
        parser.add_argument(*self.flags, **{**self.options, **override})


@dataclass(frozen=True)
class Exclusive:
    """Arguments of which at most one may be given."""
    args: tuple[Arg, ...]

    def add_to(self, parser) -> None:
        group = parser.add_mutually_exclusive_group()
        for a in self.args:
            a.add_to(group)


def arg(*flags: str, **options) -> Arg:
    return Arg(flags, options)


def exclusive(*args: Arg) -> Exclusive:
    return Exclusive(args)


# Options several commands share, declared once. `--json` also silences progress (stdout stays pure JSON).
COMMON: dict[str, Arg] = {
    "json": arg("--json", action="store_true",
                help="print one JSON document on stdout (no text, no progress on stderr)"),
    "device": arg("--device", help="this door's name, shown to other doors (default: the device id)"),
    "event": arg("--event", help="provider event id (default: every event this door admits)"),
    "data-dir": arg("--data-dir", help="data directory (default: the platform's user data dir)"),
}


@dataclass
class Command:
    name: str  # "scan", or "doors serve" for an action of a group
    handler: Handler
    help: str | None
    args: tuple[Arg | Exclusive, ...]
    options: tuple[str, ...]  # names in COMMON
    configure: Callable[[argparse.ArgumentParser], None] | None = None  # options built at parse time

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        for a in self.args:
            a.add_to(parser)
        if self.configure:
            self.configure(parser)
        for name in self.options:
            COMMON[name].add_to(parser)


@dataclass
class Group:
    name: str
    help: str
    dest: str  # where argparse keeps the chosen action (`doors_command`)
    actions: list[Command] = field(default_factory=list)
    # The action run when none is named (`lists` alone is `lists show`); None: an action is required.
    default: str | None = None


COMMANDS: dict[str, Command] = {}  # top-level commands and groups' actions, by full name
GROUPS: dict[str, Group] = {}
ORDER: list[str] = []  # top-level names (commands and groups) in registration order
DEFAULT = "gui"  # what runs with no command; not a sub-parser of its own


def group(name: str, help: str, default: str | None = None) -> None:
    GROUPS[name] = Group(name, help, f"{name}_command", default=default)
    ORDER.append(name)


def command(name: str, *args: Arg | Exclusive, help: str | None = None, options: tuple[str, ...] = (),
            configure: Callable[[argparse.ArgumentParser], None] | None = None, parser: bool = True):
    """Register the decorated handler as `name`; `parser=False` for the default command (no sub-parser)."""
    unknown = set(options) - set(COMMON)
    if unknown:
        raise ValueError(f"{name}: no shared option {sorted(unknown)}")

    def register(fn: Handler) -> Handler:
        if name in COMMANDS:
            raise ValueError(f"command {name!r} registered twice")
        cmd = Command(name, fn, help, args, options, configure)
        COMMANDS[name] = cmd
        parent, _, action = name.partition(" ")
        if action:
            GROUPS[parent].actions.append(cmd)
        elif parser:
            ORDER.append(name)
        return fn

    return register
