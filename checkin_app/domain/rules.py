"""The verdict engine: what the door says about a scanned code. Pure; no I/O.

The store finds every cached ticket carrying the code (a code is unique per event, not across
events) and hands their states to `decide`, together with what this door admits. `decide` never
looks anything up itself, so the same inputs always give the same verdict.
"""
from __future__ import annotations

import enum
import functools
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable, Sequence

from checkin_app.domain.attention import AttentionNote, AttentionSetting, TicketDetails, answers_shown
from checkin_app.domain.codes import display
from checkin_app.domain.models import PROVIDER_NAMES, UPSTREAM_DEVICE, TicketKind, TicketStatus

if TYPE_CHECKING:  # checkin_lists imports this module; the annotation only needs the name
    from checkin_app.domain.checkin_lists import ListOutcome


class VerdictKind(str, enum.Enum):
    ADMITTED = "admitted"
    FORCED = "forced"  # a supervisor admitted despite a refusal, with a reason
    EXITED = "exited"
    ALREADY_CHECKED_IN = "already_checked_in"
    VOID = "void"
    UNKNOWN = "unknown"
    WRONG_EVENT = "wrong_event"
    NOT_ADMISSION = "not_admission"
    # The provider said something we do not recognise (TicketStatus.UNRECOGNISED): fail closed, a
    # supervisor looks at the raw value and may force.
    CHECK_WITH_SUPERVISOR = "check_with_supervisor"
    # The static code is not what the guest shows (1Ticket rotating barcodes).
    ROTATING_CODE = "rotating_code"
    # What was scanned or typed is not a ticket code at all (empty, control characters, too long):
    # `codes.normalise` raises `InvalidCode`, nothing is journalled, and the door shows this verdict.
    UNREADABLE = "unreadable"
    # A check-in list's rules (domain/checkin_lists.py); a supervisor may force each, as any refusal.
    OUTSIDE_TIME = "outside_time"  # before the list's window opens or after it closes: says when
    ENTRY_LIMIT = "entry_limit"  # entered as often as the list allows (once, or N per day)
    TOO_SOON = "too_soon"  # within the list's minimum gap since the last entry: says when again
    NOT_ON_LIST = "not_on_list"  # the ticket type is not on the door's list
    CAPACITY_FULL = "capacity_full"  # the list's area holds its capacity


#: Verdicts after which the person walks through the door (or out of it).
PASSING = frozenset({VerdictKind.ADMITTED, VerdictKind.FORCED, VerdictKind.EXITED})


class Mode(str, enum.Enum):
    ENTRY = "entry"
    EXIT = "exit"


@dataclass(frozen=True)
class TicketState:
    """A cached ticket and its derived door state, as the rules need it."""

    ticket_id: int
    event_id: int
    event_name: str
    code: str
    kind: TicketKind = TicketKind.ADMISSION
    status: TicketStatus = TicketStatus.VALID
    voided_at: str | None = None
    holder_name: str | None = None
    ticket_type: str | None = None
    seat: str | None = None
    party_size: int = 1
    admitted_count: int = 0  # people admitted on this ticket so far (guest lists admit several)
    inside: bool = False  # admitted and not since scanned out
    checked_in_at: str | None = None  # first admission, ISO-8601 UTC
    checked_in_device: str | None = None
    checked_in_door: str | None = None
    provider: str | None = None
    provider_state: str | None = None  # the raw provider value behind `status`, verbatim
    void_reason: str | None = None  # "order cancelled", "voided by supervisor: lost wristband"
    attention: str | None = None  # shown with an admission ("payment pending")
    rotating_code: bool = False
    event_cancelled: bool = False
    event_unrecognised: str | None = None  # the event's state we do not recognise, verbatim
    event_starts_at: str | None = None  # ISO-8601, in the event's own offset when the provider gives one
    details: TicketDetails = TicketDetails()  # answers to custom questions, provider metadata
    note: str | None = None  # the supervisor's note on the attendee (journalled, every door)
    hold_open: bool = False  # an admission of this ticket waits for staff to confirm or deny (some door)

    @property
    def checked_in(self) -> bool:
        return self.checked_in_at is not None


@dataclass(frozen=True)
class ScanContext:
    """What this door is doing when the code arrives.

    Args:
        mode: entry or exit.
        event_ids: the events this door admits; None admits every cached event.
        force_reason: set when a supervisor admits anyway; the reason is journalled.
        name_event: the door admits more than one event, so every verdict says which one.
        attention: the attention rules and shown answers for a ticket no list names (the door's own);
            a ticket on one of `lists` gets its list's (domain/attention.py).
        lists: the door's check-in lists (`checkin_lists.DoorLists`): given a ticket the base rules
            admit, the list's outcome, or None when no list names its event. With lists, "inside
            already" is the list's entry rule to judge, not the base rules'.
    """

    mode: Mode = Mode.ENTRY
    event_ids: frozenset[int] | None = None
    force_reason: str | None = None
    name_event: bool = False
    attention: AttentionSetting = AttentionSetting()
    lists: Callable[[TicketState], "ListOutcome | None"] | None = None


@dataclass(frozen=True)
class Verdict:
    kind: VerdictKind
    code: str
    message: str
    ticket: TicketState | None = None
    reentry: bool = False
    other_event: str | None = None  # wrong_event: where the code does belong
    attention: tuple[AttentionNote, ...] = ()  # what staff must see (any verdict with a ticket)
    answers: tuple[tuple[str, str], ...] = ()  # the list's chosen answers, shown on the verdict
    # The door decided on a check-in list: which list, which rule decided, and what it journals.
    list_outcome: "ListOutcome | None" = None
    list_name: str | None = None  # the door's list(s), also when the base rules decided first
    rule: str | None = None  # which rule decided (`checkin_lists.Rule`; "ticket", "event" for the base rules)

    @property
    def passing(self) -> bool:
        return self.kind in PASSING

    @property
    def held(self) -> bool:
        """An admission with attention notes: the door holds until staff confirm or deny.

        The admission counts at once (journalled as an admission), so no other door admits the
        ticket again while the hold is open; a deny takes the admission back."""
        return self.kind is VerdictKind.ADMITTED and bool(self.attention)

    def to_dict(self) -> dict[str, Any]:
        out = self._base_dict()
        if self.list_name is not None:  # `scan --list --json`: list, rule (and the capacity warning); attention is always there
            o = self.list_outcome
            out.update({"list": o.list_name if o else self.list_name, "rule": self.rule,
                        "warning": o.warning if o else None,
                        "checks": [{"rule": c.rule.value, "passed": c.passed, "why": c.why} for c in o.checks] if o else []})
        return out

    def _base_dict(self) -> dict[str, Any]:
        t = self.ticket
        return {
            "verdict": self.kind.value,
            "passing": self.passing,
            "code": self.code,
            "message": self.message,
            "reentry": self.reentry,
            "other_event": self.other_event,
            "attention": [n.to_dict() for n in self.attention],
            "held": self.held,
            "answers": [{"question": q, "answer": a} for q, a in self.answers],
            "ticket": None
            if t is None
            else {
                "id": t.ticket_id,
                "event_id": t.event_id,
                "event_name": t.event_name,
                "code": t.code,
                "kind": t.kind.value,
                "status": t.status.value,
                "voided_at": t.voided_at,
                "holder_name": t.holder_name,
                "ticket_type": t.ticket_type,
                "seat": t.seat,
                "note": t.note,
                "party_size": t.party_size,
                "admitted_count": t.admitted_count,
                "checked_in_at": t.checked_in_at,
                "checked_in_device": t.checked_in_device,
                "checked_in_door": t.checked_in_door,
                "provider": t.provider,
                "provider_state": t.provider_state,
                "void_reason": t.void_reason,
                "attention": t.attention,
                "rotating_code": t.rotating_code,
                "event_cancelled": t.event_cancelled,
                "event_unrecognised": t.event_unrecognised,
            },
        }


def clock_time(iso: str | None) -> str:
    """`19:42` in this machine's local time for an ISO timestamp; `?` when unknown."""
    if not iso:
        return "?"
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%H:%M")
    except ValueError:
        return iso


def _pick(candidates: Sequence[TicketState], event_ids: frozenset[int] | None) -> tuple[TicketState | None, TicketState | None]:
    """Split candidates into the best one this door admits and, failing that, one elsewhere."""
    here = [c for c in candidates if event_ids is None or c.event_id in event_ids]
    if not here:
        return None, (candidates[0] if candidates else None)
    # The same code in two admitted events: prefer one that can still admit.
    usable = [c for c in here if c.status is TicketStatus.VALID and not c.event_cancelled and not c.rotating_code
              and c.event_unrecognised is None
              and c.admitted_count < c.party_size]
    return (usable or here)[0], None


def decide(candidates: Sequence[TicketState], code: str, ctx: ScanContext = ScanContext()) -> Verdict:
    """Decide a scan (`_decide`), with the ticket's attention notes and the list's chosen answers."""
    verdict = _decide(candidates, code, ctx)
    t = verdict.ticket
    if t is None or verdict.kind is VerdictKind.EXITED:
        return verdict
    setting = _attention_setting(t, ctx)
    notes = setting.notes(t.ticket_type, t.details, supervisor_note=t.note, provider_attention=t.attention)
    return replace(verdict, attention=notes, answers=answers_shown(t.details, setting.show_answers))


def _attention_setting(ticket: TicketState, ctx: ScanContext) -> AttentionSetting:
    """The rules that apply to this ticket: its check-in list's (`--attention`, `show_answers`) when
    a list of the door names its event, else the door's own (`ctx.attention`)."""
    list_for = getattr(ctx.lists, "list_for", None)
    lst = list_for(ticket) if callable(list_for) else None
    if lst is None:
        return ctx.attention
    return setting_of(tuple(lst.attention), tuple(lst.show_answers), f"list {lst.name}")


@functools.lru_cache(maxsize=64)
def setting_of(rules: tuple[str, ...], show_answers: tuple[str, ...], source: str) -> AttentionSetting:
    """A list's rule texts parsed once, not at every scan (they change only when the list is redefined)."""
    return AttentionSetting.from_texts(rules, show_answers, source)


def _decide(candidates: Sequence[TicketState], code: str, ctx: ScanContext) -> Verdict:
    """Decide a scan.

    Args:
        candidates: every cached ticket whose code equals `code`, in any event.
        code: the normalised code.
        ctx: mode, admitted events, supervisor force.

    Returns:
        The verdict. Forcing turns any refusal of a known ticket into `forced`; an unknown code
        cannot be forced because there is no ticket to record against.
    """
    ticket, elsewhere = _pick(candidates, ctx.event_ids)
    if ticket is None:
        if elsewhere is None:
            return Verdict(VerdictKind.UNKNOWN, code, f"Unknown code {display(code)}: not on any cached list",
                           list_name=_list_names(ctx), rule="ticket" if ctx.lists is not None else None)
        refusal: Verdict | None = Verdict(
            VerdictKind.WRONG_EVENT,
            code,
            f"Wrong event: this ticket is for {elsewhere.event_name}",
            ticket=elsewhere,
            other_event=elsewhere.event_name,
        )
        ticket = elsewhere
    elif ctx.mode is Mode.EXIT:
        # Letting someone out never hurts; exits are recorded for re-entry and head counts.
        return Verdict(VerdictKind.EXITED, code, f"Exit: {ticket.holder_name or 'guest'} left", ticket=ticket,
                       list_name=_list_names(ctx))
    else:
        refusal = _refusal(ticket, code, inside_refuses=ctx.lists is None)
    # On a door with lists the ticket's list is asked even after a base refusal: a supervisor's
    # force still enters on the list (it counts and the holder is inside).
    outcome = ctx.lists(ticket) if ctx.lists is not None and (refusal is None or refusal.kind is not VerdictKind.WRONG_EVENT) \
        else None
    rule = None if ctx.lists is None else "event" if refusal is not None and refusal.kind is VerdictKind.WRONG_EVENT \
        else "ticket" if refusal is not None else None
    if refusal is None and outcome is not None:
        rule = outcome.rule.value
        if outcome.refusal is not None:
            refusal = Verdict(outcome.refusal, code, outcome.message, ticket=ticket)
    listed: dict[str, Any] = {"list_outcome": outcome, "list_name": _list_names(ctx), "rule": rule}
    if refusal is None:
        # On a list an admitted ticket is a re-entry (not a new check-in upstream) once it was ever admitted.
        reentry = ticket.checked_in and (ctx.lists is not None or not ticket.inside) \
            and ticket.kind is not TicketKind.GUEST_LIST
        message = _welcome(ticket, reentry)
        if ticket.attention:  # until the attention flag exists (check-in lists issue), it rides in the text
            message += f" · attention: {ticket.attention}"
        if outcome is not None and outcome.warning:
            message += f" · nearly full: {outcome.warning}"
        return Verdict(VerdictKind.ADMITTED, code, _named(message, ticket, ctx), ticket=ticket, reentry=reentry, **listed)
    if ctx.force_reason is not None:
        return Verdict(VerdictKind.FORCED, code,
                       _named(f"Admitted by supervisor ({refusal.kind.value}): {ctx.force_reason}", ticket, ctx),
                       ticket=ticket, **listed)
    if refusal.kind is VerdictKind.WRONG_EVENT:
        return Verdict(refusal.kind, code, refusal.message, ticket=refusal.ticket, other_event=refusal.other_event,
                       **listed)  # it names the event already
    return Verdict(refusal.kind, code, _named(refusal.message, ticket, ctx), ticket=ticket, reentry=refusal.reentry,
                   other_event=refusal.other_event, **listed)


def _list_names(ctx: ScanContext) -> str | None:
    names = getattr(ctx.lists, "names", None)
    return names if isinstance(names, str) else None


def _named(message: str, ticket: TicketState, ctx: ScanContext) -> str:
    """The message with the ticket's event in front when this door admits more than one event."""
    if not ctx.name_event:
        return message
    when = f" {event_time(ticket.event_starts_at)}" if ticket.event_starts_at else ""
    return f"[{ticket.event_name}{when}] {message}"


def event_time(iso: str | None) -> str:
    """`Sat 14 Mar 19:30` in the event's own offset (as the provider gave it), never this laptop's zone."""
    if not iso:
        return "?"
    try:
        return datetime.fromisoformat(iso).strftime("%a %d %b %H:%M")
    except ValueError:
        return iso


def provider_says(ticket: TicketState, value: str | None) -> str:
    """`Check with a supervisor: Ticket Tailor says 'refund_pending'` (the fail-closed refusal)."""
    who = PROVIDER_NAMES.get(ticket.provider or "", ticket.provider or "the provider")
    return f"Check with a supervisor: {who} says '{value if value is not None else '?'}'"


def _refusal(ticket: TicketState, code: str, inside_refuses: bool = True) -> Verdict | None:
    if ticket.event_cancelled:
        return Verdict(VerdictKind.VOID, code, "Void: event cancelled", ticket=ticket)
    if ticket.status is TicketStatus.VOID:
        when = f" at {clock_time(ticket.voided_at)}" if ticket.voided_at else ""
        why = ticket.void_reason or "this ticket was cancelled"
        return Verdict(VerdictKind.VOID, code, f"Void: {why}{when}", ticket=ticket)
    if ticket.status is not TicketStatus.VALID:  # UNRECOGNISED, or any status added later: fail closed
        return Verdict(VerdictKind.CHECK_WITH_SUPERVISOR, code, provider_says(ticket, ticket.provider_state), ticket=ticket)
    if ticket.event_unrecognised is not None:
        return Verdict(VerdictKind.CHECK_WITH_SUPERVISOR, code, provider_says(ticket, ticket.event_unrecognised),
                       ticket=ticket)
    if ticket.rotating_code:
        return Verdict(VerdictKind.ROTATING_CODE, code, "Rotating code: check by name and ID", ticket=ticket)
    if ticket.kind is TicketKind.PRODUCT:
        return Verdict(VerdictKind.NOT_ADMISSION, code, "Not a ticket: this code is for a product, not entry", ticket=ticket)
    if ticket.kind is TicketKind.GUEST_LIST:
        # On a list, the list's entry rule counts the party's entries (per person, per day).
        if ticket.admitted_count >= ticket.party_size and inside_refuses:
            return Verdict(
                VerdictKind.ALREADY_CHECKED_IN,
                code,
                f"Party complete: all {ticket.party_size} already admitted (first at {clock_time(ticket.checked_in_at)})",
                ticket=ticket,
            )
        return None
    if ticket.inside and inside_refuses:  # checked in and not scanned out since; after an exit, re-entry is allowed
        return _already(ticket, code)
    return None


def _already(ticket: TicketState, code: str) -> Verdict:
    if ticket.checked_in_device == UPSTREAM_DEVICE:  # the provider's own scanner, or another app
        door = ticket.checked_in_door
        where, device = f" via {PROVIDER_NAMES.get(door, door)}" if door else "", ""
    else:
        where = f" at {ticket.checked_in_door}" if ticket.checked_in_door else ""
        device = f" ({ticket.checked_in_device})" if ticket.checked_in_device and ticket.checked_in_device != ticket.checked_in_door else ""
    return Verdict(
        VerdictKind.ALREADY_CHECKED_IN,
        code,
        f"Already checked in at {clock_time(ticket.checked_in_at)}{where}{device}"
        + (" · held there for a staff check now" if ticket.hold_open else ""),
        ticket=ticket,
    )


def _welcome(ticket: TicketState, reentry: bool) -> str:
    who = ticket.holder_name or "Guest"
    if ticket.kind is TicketKind.GUEST_LIST:
        return f"Welcome {who}: {ticket.admitted_count + 1} of {ticket.party_size} admitted"
    parts = [p for p in (ticket.ticket_type, ticket.seat) if p]
    tail = f" · {' · '.join(parts)}" if parts else ""
    return f"{'Re-entry' if reentry else 'Welcome'}: {who}{tail}"

