"""Badges: the template a door prints with, filled for one ticket (the GUI's printer paints it).

The template is the data dir's own `badge.json` when a venue has one, else the one shipped in
`checkin_app/resources/badge.json` (docs/architecture.md, "Badges and the kiosk"). A badge is a
credential people walk around with, so it fails closed like a scan: a void, unrecognised or
product ticket, or a ticket of a cancelled event, gets no badge, with the reason.
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from checkin_app import paths
from checkin_app.domain import codes
from checkin_app.domain.badges import Badge, BadgeTemplate, fill, parse_template
from checkin_app.domain.models import TicketKind, TicketStatus
from checkin_app.domain.rules import TicketState
from checkin_app.errors import CheckinError, ConfigError, NotFound
from checkin_app.providers.registry import code_variants
from checkin_app.store import Store
from checkin_app.store import events as scope
from checkin_app.store import checkin_lists, tickets

TEMPLATE_FILE = "badge.json"
MAX_TEMPLATE_BYTES = 256 * 1024  # the shipped one is under 1 kB: anything near this is not a badge layout


def template(data_dir: Path | None = None) -> BadgeTemplate:
    """The badge layout: `<data dir>/badge.json` if there is one, else the shipped template.

    Raises:
        ConfigError: the file is too big or not a valid template (the reason names the file).
    """
    own = Path(data_dir) / TEMPLATE_FILE if data_dir else None
    source = own if own is not None and own.is_file() else paths.resource(TEMPLATE_FILE)
    with source.open("rb") as f:
        raw = f.read(MAX_TEMPLATE_BYTES + 1)
    if len(raw) > MAX_TEMPLATE_BYTES:
        raise ConfigError(f"{source}: a badge template is at most {MAX_TEMPLATE_BYTES // 1024} kB")
    try:
        return parse_template(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ConfigError(f"{source}: {exc}") from None


def _date(iso: str | None) -> str:
    if not iso:
        return ""
    try:
        return datetime.fromisoformat(iso).strftime("%d %b %Y").lstrip("0")
    except ValueError:
        return iso


def refusal(state: TicketState) -> str | None:
    """Why this ticket gets no badge (None: it may have one)."""
    shown = codes.display(state.code)
    if state.kind is TicketKind.PRODUCT:
        return f"{shown} is not an admission ticket: no badge"
    if state.event_cancelled or state.event_unrecognised:
        return f"{shown}: its event is cancelled or in a state we do not recognise: no badge"
    if state.status is not TicketStatus.VALID:
        why = state.void_reason or (f"the provider says '{state.provider_state}'" if state.provider_state else "")
        return f"{shown} is {state.status.value}" + (f" ({why})" if why else "") + ": no badge"
    return None


def badge_of(state: TicketState, layout: BadgeTemplate) -> Badge:
    """The badge for a ticket the door found.

    Raises:
        CheckinError: the ticket gets no badge (`refusal`).
    """
    why = refusal(state)
    if why:
        raise CheckinError(why)
    return fill(layout, {"name": state.holder_name, "ticket_type": state.ticket_type, "event": state.event_name,
                         "event_date": _date(state.event_starts_at), "code": state.code, "seat": state.seat})


def find(store: Store, raw: str, event_ids: list[int] | None = None) -> TicketState:
    """The one ticket a scanned or typed code names in these events (None: those this door admits),
    trying the providers' variants of the code as a scan does.

    Raises:
        InvalidCode: nothing usable in `raw`. NotFound: no such ticket here.
        CheckinError: the code is in several of these events (name one).
    """
    code = codes.normalise(raw)
    allowed = frozenset(event_ids) if event_ids else scope.admitted_ids(store.conn)
    for candidate in (code, *code_variants(code)):
        found = [t for t in tickets.candidates(store.conn, candidate) if allowed is None or t.event_id in allowed]
        if len(found) > 1:
            raise CheckinError(f"code {codes.display(code)} is in several events; name one with --event")
        if found:
            return found[0]
    raise NotFound(f"no ticket with code {codes.display(code)} in the events this door admits")


def list_prints_badges(store: Store, list_name: str) -> bool:
    """Does this check-in list print a badge on admission (`auto_badge`)? A list not defined here,
    or stored by a newer build in a form this one cannot read: no."""
    try:
        lst = checkin_lists.get(store.conn, list_name)
    except ValueError:
        return False
    return bool(lst is not None and lst.auto_badge)


def badge_for_code(store: Store, raw: str, data_dir: Path | None = None, event_ids: list[int] | None = None) -> Badge:
    """`checkin-app badge CODE`, and the door's print on admit."""
    return badge_of(find(store, raw, event_ids), template(data_dir))


def badge_for_ticket(store: Store, ticket_id: int, data_dir: Path | None = None) -> Badge:
    """A reprint from the supervisor's attendee panel."""
    state = tickets.state_by_id(store.conn, ticket_id)
    if state is None:
        raise NotFound(f"no ticket with id {ticket_id}")
    return badge_of(state, template(data_dir))
