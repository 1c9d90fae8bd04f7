"""What an act, a sync or another door's rows changed: the one "what changed" message.

Anki's OpChanges habit: whatever changes the data (a scan, a supervisor's act, a sync, rows
replicated from another door) says *which kinds* of data it touched, and every view that shows
one of those kinds re-reads itself. Nobody wires "after this button, refresh that table" by hand,
and no view polls for changes the app itself made. Pure data: services and sync may build it,
the GUI (`gui.tasks.Tasks.changed`) carries it to the views.
"""
from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Changes:
    """Kinds of data that changed (each a yes/no; all no = nothing to re-read).

    Attributes:
        tickets: attendees, ticket types or their states (a sync's pull, a void, a walk-up).
        journal: the check-in journal (a scan, an undo, a replicated check-in): counters, last scans.
        events: events or which ones this door admits.
        connections: provider connections (added, removed, synced: their status line).
        conflicts: the open conflicts list.
        peers: other doors and replication (the doors table).
        lists: check-in lists (defined here; one from another door arrives as `journal`).
    """

    tickets: bool = False
    journal: bool = False
    events: bool = False
    connections: bool = False
    conflicts: bool = False
    peers: bool = False
    lists: bool = False

    def __or__(self, other: Changes) -> Changes:
        return Changes(**{f.name: getattr(self, f.name) or getattr(other, f.name) for f in fields(self)})

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))

    def any_of(self, *kinds: str) -> bool:
        """True if any of the named kinds changed (`changes.any_of("journal", "tickets")`)."""
        return any(getattr(self, kind) for kind in kinds)


# What each kind of op changes: the GUI's acts name one of these instead of listing kinds each time.
SCAN = Changes(journal=True)
ATTENDEE_ACT = Changes(tickets=True, journal=True)
CONFLICT_RESOLVED = Changes(conflicts=True, journal=True)
ADMITTED_EVENTS = Changes(events=True)
LIST_DEFINED = Changes(lists=True, journal=True)  # a list is a journal act (`list_defined`)
CONNECTIONS = Changes(connections=True, events=True, tickets=True)
SYNC = Changes(tickets=True, journal=True, events=True, connections=True, conflicts=True)
