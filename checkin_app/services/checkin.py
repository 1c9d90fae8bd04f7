"""Check-in: every act at the door, each one journal row plus derived state in one transaction.

A scan is look-up + verdict + journal row + derived state + outbox row, committed together
with `synchronous=FULL`: when `scan` returns, the act is on disk. Refused scans are journalled
too, so the journal is the audit trail of the door.
"""
from __future__ import annotations

import secrets
import sqlite3
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Sequence

from checkin_app.domain import checkin_lists as lists_domain
from checkin_app.domain import codes, rules
from checkin_app.domain.attention import AttentionSetting
from checkin_app.domain.clock import utc_now
from checkin_app.domain.models import TicketStatus
from checkin_app.domain.rules import Mode, ScanContext, Verdict, VerdictKind
from checkin_app.errors import CheckinError, NotFound
from checkin_app.providers.registry import code_variants, pushes
from checkin_app.store import Store
from checkin_app.store import journal as J
from checkin_app.store import events as scope
from checkin_app.store import attention as attention_store
from checkin_app.store import checkin_lists, outbox, replica, tickets
from checkin_app.store.journal import Op

# Walk-up codes: no 0/O/1/I/L, so staff can read them aloud and type them.
_WALKUP_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
#: How long the push of a held admission waits for staff to confirm (sent at once then) or deny
#: (dropped unsent). A hold left open longer is pushed anyway: the admission stands until denied.
HOLD_PUSH_WAIT = timedelta(minutes=2)
MAX_NOTE_CHARS = 500  # a note is read at the door in a glance; it travels in a journal row (16 kB cap)


def _later(at: str, wait: timedelta) -> str:
    return (datetime.fromisoformat(at) + wait).isoformat(timespec="milliseconds")


def _required(reason: str | None, message: str) -> str:
    if not reason or not reason.strip():
        raise CheckinError(message)
    return reason.strip()


@dataclass(frozen=True)
class ActResult:
    """The outcome of a supervisor act (void, undo, issue)."""

    ticket_id: int
    code: str
    message: str
    journal_id: int


class CheckinService:
    """What the door and the supervisor do to tickets.

    Args:
        store: the data dir's store (this thread's connection).
        door: the label of this door ("Door 2"); shown to other doors in refusals.
    """

    def __init__(self, store: Store, door: str | None = None):
        self.store = store
        self.door = door or store.device_id
        # The check-in lists this door scans against, in order (Door settings; `lists.set_door_lists`).
        self.lists: tuple[str, ...] = tuple(checkin_lists.door_lists(store.conn))

    # -- scanning ---------------------------------------------------------------------------

    def scan(self, raw: str, *, event_ids: list[int] | None = None, mode: Mode = Mode.ENTRY,
             lists: Sequence[str] | None = None, at: str | None = None,
             attention: AttentionSetting | None = None) -> Verdict:
        """Decide and record one scan.

        Args:
            raw: what the scanner or camera delivered (terminators and prefixes are stripped).
            event_ids: the events admitted for this scan; None means those this door admits.
            mode: entry or exit.
            lists: the check-in lists to decide on (their events replace `event_ids`); None: this
                door's lists (`self.lists`), none at all when it has none.
            at: simulate the scan at this aware ISO time: decided as if scanned then, nothing is recorded.
            attention: the attention rules and shown answers for tickets no list of this door names;
                None: this door's own setting (`checkin-app attention`). A list's own rules win.

        Raises:
            InvalidCode: nothing usable in `raw` (empty, oversized); nothing is recorded.
            NotFound: a list that is not defined here.
        """
        code = codes.normalise(raw)
        setting = attention if attention is not None else attention_store.door_setting(self.store.conn)
        return self._decide_and_record(code, self._context(event_ids, mode=mode, attention=setting),
                                       self._lists(lists), at)

    def force(self, raw: str, reason: str, *, event_ids: list[int] | None = None,
              lists: Sequence[str] | None = None) -> Verdict:
        """A supervisor admits a refused ticket anyway; the reason is journalled."""
        if not reason or not reason.strip():
            raise CheckinError("a reason is required to admit anyway")
        code = codes.normalise(raw)
        return self._decide_and_record(code, self._context(event_ids, force_reason=reason.strip()), self._lists(lists))

    def admit_party(self, ticket_id: int, count: int) -> Verdict:
        """Admit `count` more people on a guest-list entry ("3 of 4 admitted")."""
        state = self._state(ticket_id)
        if count < 1:
            raise CheckinError("admit at least one person")
        verdict = None
        for _ in range(count):
            verdict = self._decide_and_record(state.code, ScanContext(event_ids=frozenset({state.event_id})))
            if not verdict.passing:
                break
        return verdict

    def _decide_and_record(self, code: str, ctx: ScanContext, names: tuple[str, ...] = (),
                           simulate_at: str | None = None) -> Verdict:
        if simulate_at is not None:  # a supervisor's "what if": read only, nothing journalled
            when = lists_domain.aware(simulate_at)
            if when is None:
                raise CheckinError(f"--at {simulate_at!r} is not a date and time with a UTC offset")
            with self.store.snapshot() as conn:
                code, found = self._candidates(conn, code)
                return rules.decide(found, code, self._on_lists(conn, ctx, names, found, when))
        at = utc_now()
        with self.store.transaction() as conn:
            code, found = self._candidates(conn, code)
            if names:
                ctx = self._on_lists(conn, ctx, names, found, datetime.fromisoformat(at))
            verdict = rules.decide(found, code, ctx)
            ticket = verdict.ticket
            op = Op.FORCE if verdict.kind is VerdictKind.FORCED else Op.EXIT if verdict.kind is VerdictKind.EXITED else Op.SCAN
            payload = {"message": verdict.message, "mode": ctx.mode.value}
            if ctx.force_reason:
                payload["reason"] = ctx.force_reason
            if verdict.reentry:
                payload["reentry"] = True
            if verdict.held:  # counts now; staff confirm or deny (docs/architecture.md, "Attention at the door")
                payload["hold"] = True
                payload["attention"] = [n.text for n in verdict.attention]
            payload.update(self._list_fields(verdict, ctx))
            row = J.append(conn, device_id=self.store.device_id, op=op, at=at, code=code,
                           ticket_id=ticket.ticket_id if ticket else None, verdict=verdict.kind.value,
                           door=self.door, payload=payload)
            if verdict.kind in (VerdictKind.ADMITTED, VerdictKind.FORCED):
                J.mark_admitted(conn, ticket.ticket_id, at, self.store.device_id, self.door)
                J.mark_held(conn, ticket.ticket_id, row.nonce if verdict.held else None, at)
                # Re-entries are not new check-ins upstream. A held admission's push waits for the
                # staff's decision (a deny drops it unsent), at most HOLD_PUSH_WAIT.
                if not verdict.reentry:
                    self._enqueue(conn, row, "checkin", _later(at, HOLD_PUSH_WAIT) if verdict.held else None)
            elif verdict.kind is VerdictKind.EXITED:
                J.mark_exited(conn, ticket.ticket_id, at)
            self._settle(conn, row.ticket_id, at)
            if ticket is not None and ("area" in payload or (verdict.kind is VerdictKind.EXITED
                                                             and checkin_lists.has_stays(conn, ticket.ticket_id))):
                checkin_lists.recompute(conn, ticket.ticket_id)  # who is inside where
        return verdict

    # -- check-in lists -----------------------------------------------------------------------

    def _lists(self, names: Sequence[str] | None) -> tuple[str, ...]:
        return self.lists if names is None else tuple(dict.fromkeys(n for n in names if n))

    @staticmethod
    def _candidates(conn: sqlite3.Connection, code: str) -> tuple[str, list[rules.TicketState]]:
        """The tickets carrying `code`, else a provider's variant of it (the code as found)."""
        found = tickets.candidates(conn, code)
        if not found:
            for variant in code_variants(code):
                found = tickets.candidates(conn, variant)
                if found:
                    return variant, found
        return code, found

    def _on_lists(self, conn: sqlite3.Connection, ctx: ScanContext, names: tuple[str, ...],
                  found: list[rules.TicketState], now: datetime) -> ScanContext:
        """The scan context for a door on lists: the lists' events, and each candidate's movements."""
        if not names:
            return ctx
        chosen = []
        for name in names:
            lst = checkin_lists.get(conn, name)
            if lst is None:
                raise NotFound(f"no check-in list {name!r} (see `checkin-app lists`)")
            chosen.append(lst)
        ids = [c.ticket_id for c in found]
        door = lists_domain.DoorLists(
            tuple(chosen), events=checkin_lists.event_refs(conn, ids) if ids else {},
            movements={i: checkin_lists.movements(conn, i) for i in ids},
            area_inside={lst.area: checkin_lists.area_inside(conn, lst.area, now) for lst in chosen}, now=now)
        events = frozenset().union(*(checkin_lists.local_event_ids(conn, lst.events) for lst in chosen))
        return replace(ctx, event_ids=events, name_event=len(events) > 1, lists=door)

    @staticmethod
    def _list_fields(verdict: Verdict, ctx: ScanContext) -> dict:
        """What an entry or exit on a list journals, so that every door replays the same stays."""
        door = ctx.lists
        if not isinstance(door, lists_domain.DoorLists) or verdict.ticket is None:
            return {}
        if verdict.kind in (VerdictKind.ADMITTED, VerdictKind.FORCED) and verdict.list_outcome is not None:
            return verdict.list_outcome.journal_fields()
        if verdict.kind is VerdictKind.EXITED:
            lst = door.list_for(verdict.ticket)
            return {"list": lst.name, "area": lst.area} if lst else {}
        # A refusal names its list and rule for the audit trail; it moves nobody.
        return {"list": verdict.list_outcome.list_name} if verdict.list_outcome is not None else {}

    # -- supervisor acts --------------------------------------------------------------------

    def undo(self, raw: str, *, event_ids: list[int] | None = None) -> ActResult:
        """Take back the latest admission of a ticket (a mistaken scan)."""
        code = codes.normalise(raw)
        at = utc_now()
        with self.store.transaction() as conn:
            state = self._one(conn, code, event_ids)
            if state.admitted_count == 0:
                raise CheckinError(f"{codes.display(code)} is not checked in; nothing to undo")
            last_id, last_nonce = J.latest_admission(conn, state.ticket_id) or (None, None)
            # The nonce names the admission taken back at every door (local ids differ per door).
            row = J.append(conn, device_id=self.store.device_id, op=Op.UNDO, at=at, code=code, ticket_id=state.ticket_id,
                           door=self.door, payload={"undoes": last_id, "undoes_nonce": last_nonce})
            J.mark_undone(conn, state.ticket_id, at)
            if last_id is not None:
                # Not sent yet: nothing upstream to take back, so the push is dropped.
                outbox.cancel_unsent(conn, last_id, "cancelled by undo before it was sent", at)
            # Which admission an undo takes back is the replay's rule, here as at every door.
            replica.recompute(conn, state.ticket_id, at)
        return ActResult(state.ticket_id, code, f"Check-in undone for {state.holder_name or codes.display(code)}", row.id)

    # -- attention: the hold and the supervisor's note ----------------------------------------

    def confirm(self, raw: str, *, event_ids: list[int] | None = None, ticket_id: int | None = None) -> ActResult:
        """Staff looked at a held guest and let them in: the admission stands (journalled)."""
        at = utc_now()
        with self.store.transaction() as conn:
            state, held = self._held(conn, raw, event_ids, ticket_id)
            row = J.append(conn, device_id=self.store.device_id, op=Op.CONFIRM, at=at, code=state.code,
                           ticket_id=state.ticket_id, door=self.door, payload={"of": held.nonce})
            J.mark_held(conn, state.ticket_id, None, at)
            outbox.release(conn, held.id, at)  # the admission's push waited for this
            self._settle(conn, state.ticket_id, at)
        return ActResult(state.ticket_id, state.code, f"Confirmed: {state.holder_name or codes.display(state.code)} admitted",
                         row.id)

    def deny(self, raw: str, reason: str | None = None, *, event_ids: list[int] | None = None,
             ticket_id: int | None = None) -> ActResult:
        """Staff refused a held guest: the admission is taken back (as an undo), the ticket stays valid.

        The guest can be scanned again later (after fetching ID, say); nothing is voided.
        """
        at = utc_now()
        with self.store.transaction() as conn:
            state, held = self._held(conn, raw, event_ids, ticket_id)
            payload = {"undoes": held.id, "undoes_nonce": held.nonce}
            if reason and reason.strip():
                payload["reason"] = reason.strip()
            row = J.append(conn, device_id=self.store.device_id, op=Op.DENY, at=at, code=state.code,
                           ticket_id=state.ticket_id, door=self.door, payload=payload)
            J.mark_undone(conn, state.ticket_id, at)
            outbox.cancel_unsent(conn, held.id, "cancelled: staff denied the held admission before it was sent", at)
            replica.recompute(conn, state.ticket_id, at)
        return ActResult(state.ticket_id, state.code,
                         f"Denied: {state.holder_name or codes.display(state.code)} not admitted (ticket still valid)", row.id)

    def set_note(self, raw: str, text: str | None, *, event_ids: list[int] | None = None,
                 ticket_id: int | None = None) -> ActResult:
        """Set (or, with None or blank text, clear) the supervisor's note on an attendee; every door
        shows it on the attendee's next scan and holds for it."""
        text = text.strip() if text and text.strip() else None
        if text is not None and len(text) > MAX_NOTE_CHARS:
            raise CheckinError(f"a note is at most {MAX_NOTE_CHARS} characters; this one has {len(text)}")
        at = utc_now()
        with self.store.transaction() as conn:
            state = self._target(conn, raw, event_ids, ticket_id)
            if text is None and state.note is None:
                raise CheckinError(f"{codes.display(state.code)} has no note to clear")
            row = J.append(conn, device_id=self.store.device_id, op=Op.NOTE, at=at, code=state.code,
                           ticket_id=state.ticket_id, door=self.door, payload={"text": text})
            J.mark_note(conn, state.ticket_id, text, at)
            self._settle(conn, state.ticket_id, at)
        who = state.holder_name or codes.display(state.code)
        return ActResult(state.ticket_id, state.code, f"Note on {who}: {text}" if text else f"Note on {who} cleared",
                         row.id)

    def _target(self, conn: sqlite3.Connection, raw: str, event_ids: list[int] | None,
                ticket_id: int | None) -> rules.TicketState:
        if ticket_id is not None:
            state = tickets.state_by_id(conn, ticket_id)
            if state is None:
                raise NotFound(f"no ticket with id {ticket_id}")
            return state
        return self._one(conn, codes.normalise(raw), event_ids)

    def _held(self, conn: sqlite3.Connection, raw: str, event_ids: list[int] | None,
              ticket_id: int | None) -> tuple[rules.TicketState, J.JournalRow]:
        state = self._target(conn, raw, event_ids, ticket_id)
        held = J.held_admission(conn, state.ticket_id)
        if held is None:
            raise CheckinError(f"no admission of {codes.display(state.code)} waits for a check")
        return state, held

    def void(self, raw: str, reason: str, *, event_ids: list[int] | None = None) -> ActResult:
        """Void a ticket here (and upstream on the next push). It stays void until a supervisor un-voids it."""
        reason = _required(reason, "a reason is required to void a ticket")
        code = codes.normalise(raw)
        at = utc_now()
        with self.store.transaction() as conn:
            state = self._one(conn, code, event_ids)
            if tickets.local_void(conn, state.ticket_id) is not None:
                raise CheckinError(f"{codes.display(code)} is already void")
            row = J.append(conn, device_id=self.store.device_id, op=Op.VOID, at=at, code=code, ticket_id=state.ticket_id,
                           door=self.door, payload={"reason": reason})
            J.mark_void(conn, state.ticket_id, at, reason)
            self._enqueue(conn, row, "void")
            self._settle(conn, state.ticket_id, at)
        return ActResult(state.ticket_id, code, f"Voided {codes.display(code)}: {reason}", row.id)

    def unvoid(self, raw: str, reason: str, *, event_ids: list[int] | None = None) -> ActResult:
        """Take back a supervisor's void (journalled and replicated like the void).

        Only this app's void is taken back: a void the provider sent stays until the provider
        says the ticket is valid again, and the message says so.
        """
        reason = _required(reason, "a reason is required to un-void a ticket")
        code = codes.normalise(raw)
        at = utc_now()
        with self.store.transaction() as conn:
            state = self._one(conn, code, event_ids)
            if tickets.local_void(conn, state.ticket_id) is None:
                why = f": {state.void_reason}" if state.void_reason else ""
                raise CheckinError(f"{codes.display(code)} was not voided by a supervisor"
                                   + (f"; the provider voided it{why}" if state.status is TicketStatus.VOID else ""))
            row = J.append(conn, device_id=self.store.device_id, op=Op.UNVOID, at=at, code=code,
                           ticket_id=state.ticket_id, door=self.door, payload={"reason": reason})
            J.mark_unvoid(conn, state.ticket_id, at)
            self._settle(conn, state.ticket_id, at)
            after = tickets.state_by_id(conn, state.ticket_id)
        message = f"Un-voided {codes.display(code)}: {reason}"
        if after.status is not TicketStatus.VALID:
            who = rules.PROVIDER_NAMES.get(after.provider or "", after.provider)
            message += f" (still refused: {who} says {after.provider_state or after.void_reason or after.status.value})"
        return ActResult(state.ticket_id, code, message, row.id)

    def issue(self, event_id: int, name: str, email: str | None = None, ticket_type: str | None = None) -> ActResult:
        """Issue a walk-up ticket for an event; it is pushed upstream when the provider allows."""
        if not name or not name.strip():
            raise CheckinError("a walk-up ticket needs the guest's name")
        at = utc_now()
        with self.store.transaction() as conn:
            provider = scope.provider_of(conn, event_id)
            if provider is None:
                raise NotFound(f"no event with id {event_id}")
            code = self._new_code(conn)
            ticket_id = tickets.add_walkup(conn, event_id, provider, code, name.strip(), email, ticket_type or "Walk-up", at)
            row = J.append(conn, device_id=self.store.device_id, op=Op.ISSUE, at=at, code=code, ticket_id=ticket_id,
                           door=self.door, payload={"name": name.strip(), "email": email, "ticket_type": ticket_type})
            self._enqueue(conn, row, "issue")
        return ActResult(ticket_id, code, f"Issued {code} to {name.strip()}", row.id)

    # -- helpers ----------------------------------------------------------------------------

    def _scope(self, event_ids: list[int] | None) -> frozenset[int] | None:
        """The events a scan may admit: those named, else those this door admits (None: every cached event)."""
        if event_ids:
            return frozenset(event_ids)
        return scope.admitted_ids(self.store.conn)

    def _context(self, event_ids: list[int] | None, **kw) -> ScanContext:
        ids = self._scope(event_ids)
        several = len(ids) > 1 if ids is not None else scope.cached_count(self.store.conn) > 1
        return ScanContext(event_ids=ids, name_event=several, **kw)

    def _one(self, conn: sqlite3.Connection, code: str, event_ids: list[int] | None) -> rules.TicketState:
        scope = self._scope(event_ids)
        found = [c for c in tickets.candidates(conn, code) if scope is None or c.event_id in scope]
        if not found:
            raise NotFound(f"no ticket with code {codes.display(code)} in the events this door admits")
        if len(found) > 1:
            raise CheckinError(f"code {codes.display(code)} is in several events; name one with --event")
        return found[0]

    def _state(self, ticket_id: int) -> rules.TicketState:
        state = tickets.state_by_id(self.store.conn, ticket_id)
        if state is None:
            raise NotFound(f"no ticket with id {ticket_id}")
        return state

    def _enqueue(self, conn: sqlite3.Connection, row: J.JournalRow, action: str, not_before: str | None = None) -> None:
        outbox.enqueue_for_ticket(conn, row.id, row.ticket_id, action, pushes, next_try_at=not_before)

    def _settle(self, conn: sqlite3.Connection, ticket_id: int | None, at: str) -> None:
        """Once other doors acted on a ticket, its state is the replay of every door's rows.

        The incremental `mark_*` update above equals the replay while only this door acted; with
        rows from other doors (whose clocks order them), only the replay converges everywhere.
        """
        if ticket_id is not None and replica.has_foreign_rows(conn, ticket_id, self.store.device_id):
            replica.recompute(conn, ticket_id, at)

    @staticmethod
    def _new_code(conn: sqlite3.Connection) -> str:
        while True:
            code = "W" + "".join(secrets.choice(_WALKUP_ALPHABET) for _ in range(7))
            if not tickets.code_taken(conn, code):
                return code
