"""Attention at the door: which tickets staff must look at before letting the guest in. Pure; stdlib only.

Three sources give a ticket attention notes, and `notes_for` gathers them in one order:

1. the supervisor's note on the attendee (journalled, replicated to every door);
2. the provider's own attention ("payment pending": a Ticket Tailor order that is not paid yet);
3. the list's rules, typed by staff as `--attention RULE` (stored verbatim with the list, parsed
   here by `parse_rule`), read against what the provider says about the ticket: its type (Ticket
   Tailor ticket type, Ticketsolve `metadata.price_type`, Ticketor `PriceLevelName`), the answers
   to custom questions (Ticket Tailor) and the provider's other metadata (`TicketDetails`).

The rule grammar (docs/architecture.md, "Attention at the door"), one rule per `--attention`:

    RULE      := [KIND ":"] SUBJECT TEST [ "->" NOTE ]
    KIND      := vip | id | id check | age | age check | accessibility | access | add-on | addon
                 | payment | attention            (default: attention)
    SUBJECT   := "ticket type" | "price level"    (both read the ticket type)
               | "answer to" QUESTION             (a custom question, by its text)
               | "metadata" KEY                   (a provider metadata field: comment, row, ...)
               | "add-on"                         (what else the order bought: "T Shirt ×1, ...")
    TEST      := "is" VALUE | "is not" VALUE | "contains" VALUE | "starts with" VALUE
               | "is under" NUMBER | "is over" NUMBER | "is given" | "is answered"
    NOTE      := what the door shows (default: "<Kind>: <subject> <the value found>")

Words are matched without regard to case or repeated spaces. A QUESTION or VALUE may be quoted
("..." or '...') and must be when it holds one of the test words; unquoted, a question ends at the
last test word of the rule ("answer to What is your age is under 18" reads the question "What is
your age"). Examples:

    vip: ticket type contains VIP
    id: answer to "Date of birth" is given -> Check photo ID
    age: answer to Age is under 18 -> Under 18: wristband, no bar
    accessibility: answer to Do you need step-free access? is Yes
    add-on: add-on contains programme -> Hand over the programme

Fail closed: a number test on an answer that is not a number matches (the door cannot tell, so it
asks), and "is not" matches a missing answer.
"""
from __future__ import annotations

import enum
import functools
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence


class AttentionKind(str, enum.Enum):
    VIP = "vip"
    ID_CHECK = "id_check"
    ACCESSIBILITY = "accessibility"
    ADD_ON = "add_on"
    PAYMENT_PENDING = "payment_pending"
    SUPERVISOR_NOTE = "supervisor_note"
    ATTENTION = "attention"  # a rule that names no kind

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    AttentionKind.VIP: "VIP",
    AttentionKind.ID_CHECK: "ID check",
    AttentionKind.ACCESSIBILITY: "Accessibility",
    AttentionKind.ADD_ON: "Hand over",
    AttentionKind.PAYMENT_PENDING: "Payment pending",
    AttentionKind.SUPERVISOR_NOTE: "Supervisor note",
    AttentionKind.ATTENTION: "Attention",
}

#: What staff may type before the colon.
KIND_WORDS: dict[str, AttentionKind] = {
    "vip": AttentionKind.VIP,
    "id": AttentionKind.ID_CHECK, "id check": AttentionKind.ID_CHECK,
    "age": AttentionKind.ID_CHECK, "age check": AttentionKind.ID_CHECK,
    "accessibility": AttentionKind.ACCESSIBILITY, "access": AttentionKind.ACCESSIBILITY,
    "add-on": AttentionKind.ADD_ON, "addon": AttentionKind.ADD_ON, "add on": AttentionKind.ADD_ON,
    "payment": AttentionKind.PAYMENT_PENDING,
    "attention": AttentionKind.ATTENTION,
}


class Subject(str, enum.Enum):
    TICKET_TYPE = "ticket type"
    ANSWER = "answer to"
    METADATA = "metadata"
    ADD_ON = "add-on"  # the order's add-ons, as one text ("T Shirt ×1, Programme ×2")


class Check(str, enum.Enum):
    IS = "is"
    IS_NOT = "is not"
    CONTAINS = "contains"
    STARTS_WITH = "starts with"
    UNDER = "is under"
    OVER = "is over"
    GIVEN = "is given"


# Longest first, so "is not" is not read as "is" followed by "not ...".
_TEST_WORDS: tuple[tuple[str, Check], ...] = (
    ("is answered", Check.GIVEN), ("is given", Check.GIVEN), ("starts with", Check.STARTS_WITH),
    ("is under", Check.UNDER), ("is over", Check.OVER), ("is not", Check.IS_NOT), ("contains", Check.CONTAINS),
    ("is", Check.IS),
)
_NO_VALUE = {Check.GIVEN}
_NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)?")
MAX_RULE_CHARS = 500

EXAMPLE = "vip: ticket type contains VIP"


@dataclass(frozen=True)
class TicketDetails:
    """What a provider says about a ticket beyond whether it admits.

    `answers`: (question, answer) pairs from custom questions (Ticket Tailor `custom_questions`,
    the ticket's own first, then its order's buyer's); `metadata`: (key, value) pairs of the
    provider's other fields (Ticketsolve line item `metadata`, Ticketor `DeliveryMethod`). Text
    only, in the provider's order; an unanswered or masked answer is not kept.
    """

    answers: tuple[tuple[str, str], ...] = ()
    metadata: tuple[tuple[str, str], ...] = ()
    # What else the ticket's order bought, to hand over at the door ("T Shirt ×1"): Ticket Tailor
    # add-on tickets, Ticketsolve product line items, Ticketor invoice products.
    add_ons: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.answers or self.metadata or self.add_ons)

    def answer(self, question: str) -> str | None:
        return self._answer_index.get(key_of(question))

    def meta(self, key: str) -> str | None:
        return self._meta_index.get(key_of(key))

    # Folded once per ticket read, not once per rule (profiled: folding was half a decision's time).
    @functools.cached_property
    def _answer_index(self) -> dict[str, str]:
        return _index(self.answers)

    @functools.cached_property
    def _meta_index(self) -> dict[str, str]:
        return _index(self.metadata)

    def with_order(self, order: "TicketDetails") -> "TicketDetails":
        """These details with their order's: the buyer's answers after the ticket's own (a question
        already answered keeps its answer) and the order's add-ons."""
        known = set(self._answer_index)
        extra = tuple((q, a) for q, a in order.answers if key_of(q) not in known)
        if not extra and not order.add_ons:
            return self
        return TicketDetails(self.answers + extra, self.metadata, self.add_ons + order.add_ons)

    def to_json(self) -> dict[str, Any]:
        return {"answers": [list(p) for p in self.answers], "metadata": [list(p) for p in self.metadata],
                "add_ons": list(self.add_ons)}

    @classmethod
    def from_json(cls, data: Any) -> "TicketDetails":
        """Read what `to_json` wrote; anything else (a newer shape, junk) gives what it can."""
        if not isinstance(data, dict):
            return cls()
        add_ons = data.get("add_ons")
        return cls(_pairs(data.get("answers")), _pairs(data.get("metadata")),
                   tuple(a for a in add_ons if isinstance(a, str)) if isinstance(add_ons, list) else ())


def _pairs(value: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, list):
        return ()
    return tuple((p[0], p[1]) for p in value
                 if isinstance(p, (list, tuple)) and len(p) == 2 and isinstance(p[0], str) and isinstance(p[1], str))


def fold(text: str) -> str:
    """How rules compare words: case, surrounding and repeated spaces do not matter."""
    return " ".join(text.split()).casefold()


def key_of(name: str) -> str:
    """How a question or metadata key is looked up: folded, a trailing "?" or ":" optional."""
    return fold(name).rstrip("?:")


def _index(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in pairs:
        out.setdefault(key_of(key), value)  # asked twice: the first answer
    return out


@dataclass(frozen=True)
class AttentionRule:
    """One parsed `--attention` rule; `text` is what staff typed, kept verbatim."""

    text: str
    kind: AttentionKind
    subject: Subject
    name: str | None  # the question or metadata key; None for the ticket type
    test: Check
    value: str | None
    note: str | None = None  # what to show instead of the default wording

    def found(self, ticket_type: str | None, details: TicketDetails) -> str | None:
        """The value this rule reads from a ticket (None: the ticket has none)."""
        if self.subject is Subject.TICKET_TYPE:
            return ticket_type
        if self.subject is Subject.ADD_ON:
            return ", ".join(details.add_ons) or None
        index = details._answer_index if self.subject is Subject.ANSWER else details._meta_index
        return index.get(self._key)

    def matches(self, ticket_type: str | None, details: TicketDetails) -> bool:
        return _passes(self.test, self.found(ticket_type, details), self.value, self._want)

    @functools.cached_property
    def _key(self) -> str:
        return key_of(self.name or "")

    @functools.cached_property
    def _want(self) -> str:
        return fold(self.value or "")

    def describe(self, actual: str | None) -> str:
        if self.note:
            return self.note
        what = {Subject.TICKET_TYPE: "ticket type", Subject.ADD_ON: "add-ons"}.get(self.subject, self.name or "")
        return f"{self.kind.label}: {what} {actual}" if actual else f"{self.kind.label}: {what} (not given)"


def _passes(test: Check, actual: str | None, value: str | None, want: str) -> bool:
    """Whether `actual` passes the test against `value` (`want`: the value folded)."""
    if test is Check.IS_NOT:
        return actual is None or fold(actual) != want
    if actual is None or not actual.strip():
        return False
    if test is Check.GIVEN:
        return True
    if test in (Check.UNDER, Check.OVER):
        number = _NUMBER.fullmatch(actual.strip())
        if number is None:
            return True  # fail closed: the door cannot tell, so staff look
        mine, limit = float(number.group().replace(",", ".")), float((value or "0").replace(",", "."))
        return mine < limit if test is Check.UNDER else mine > limit
    a, v = fold(actual), want
    if test is Check.IS:
        return a == v
    if test is Check.CONTAINS:
        return v in a
    return a.startswith(v)


def parse_rule(text: str) -> AttentionRule:
    """Read one rule as staff typed it (grammar in the module docstring).

    Raises:
        ValueError: with one sentence saying what is wrong and how a rule looks.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"An attention rule is empty; write one like '{EXAMPLE}'.")
    if len(text) > MAX_RULE_CHARS:
        raise ValueError(f"An attention rule is at most {MAX_RULE_CHARS} characters; this one has {len(text)}.")
    if any(ord(c) < 32 for c in text):
        raise ValueError("An attention rule is one line of text without control characters.")
    body, note = _split_note(text.strip())
    kind, body = _split_kind(body, text)
    subject, rest = _split_subject(body, text)
    name, test, value = _split_test(subject, rest, text)
    if kind is AttentionKind.ATTENTION and subject is Subject.ADD_ON:
        kind = AttentionKind.ADD_ON  # "add-on is given": what else to hand over, whatever the kind says
    return AttentionRule(text, kind, subject, name, test, value, note)


def _split_note(text: str) -> tuple[str, str | None]:
    for arrow in ("->", "→"):
        if arrow in text:
            body, note = text.split(arrow, 1)
            note = note.strip()
            if not note:
                raise ValueError(f"'{text}': nothing follows '{arrow}'; write the note to show, or leave the arrow out.")
            return body.strip(), note
    return text, None


def _split_kind(body: str, text: str) -> tuple[AttentionKind, str]:
    head, colon, rest = body.partition(":")
    kind = KIND_WORDS.get(fold(head)) if colon else None
    if kind is not None:
        return kind, rest.strip()
    if not colon or _starts_subject(head):  # a question may hold a colon: "answer to Note: ..."
        return AttentionKind.ATTENTION, body
    if kind is None:
        words = ", ".join(sorted({k for k in KIND_WORDS if " " not in k and k != "addon"}))
        raise ValueError(f"'{text}': '{head.strip()}' is not a kind of attention; use one of {words} "
                         f"before the colon, or none.")
    return kind, rest.strip()


def _starts_subject(text: str) -> bool:
    low = fold(text)
    return any(low.startswith(s) for s in ("ticket type", "price level", "answer to", "metadata", "add-on"))


def _split_subject(body: str, text: str) -> tuple[Subject, str]:
    low = fold(body)
    for words, subject in (("ticket type", Subject.TICKET_TYPE), ("price level", Subject.TICKET_TYPE),
                           ("answer to", Subject.ANSWER), ("metadata", Subject.METADATA),
                           ("add-ons", Subject.ADD_ON), ("add-on", Subject.ADD_ON)):
        if low.startswith(words + " ") or low == words:
            return subject, " ".join(body.split())[len(words):].strip()
    raise ValueError(f"'{text}': a rule reads 'ticket type', 'price level', 'answer to QUESTION', "
                     f"'metadata KEY' or 'add-on' (after an optional kind such as 'vip:'), e.g. '{EXAMPLE}'.")


def _unquote(text: str) -> tuple[str, bool]:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1].strip(), True
    return text, False


def _split_test(subject: Subject, rest: str, text: str) -> tuple[str | None, Check, str | None]:
    named = subject in (Subject.ANSWER, Subject.METADATA)
    name: str | None = None
    if named and rest[:1] in "\"'" and rest:
        end = rest.find(rest[0], 1)
        if end < 0:
            raise ValueError(f"'{text}': the quote before {rest[:20]!r} is never closed.")
        name, rest = rest[1:end].strip(), rest[end + 1:].strip()
    found = _find_test(rest, last=named and name is None)
    if found is None:
        raise ValueError(f"'{text}': say how to compare: is, is not, contains, starts with, is under N, "
                         f"is over N or is given, e.g. '{EXAMPLE}'.")
    start, end, test = found
    if named and name is None:
        name = rest[:start].strip()
    elif rest[:start].strip():
        raise ValueError(f"'{text}': '{rest[:start].strip()}' comes between the subject and the test; quote "
                         f"a question or value that holds the words is / contains.")
    if named and not name:
        raise ValueError(f"'{text}': name the {'question' if subject is Subject.ANSWER else 'metadata field'} "
                         f"to read, e.g. 'answer to \"Dietary needs\" is given'.")
    value, _ = _unquote(rest[end:])
    if test in _NO_VALUE:
        if value:
            raise ValueError(f"'{text}': '{test.value}' takes no value; remove '{value}'.")
        return name, test, None
    if not value:
        raise ValueError(f"'{text}': nothing to compare with after '{test.value}'.")
    if test in (Check.UNDER, Check.OVER) and _NUMBER.fullmatch(value) is None:
        raise ValueError(f"'{text}': '{test.value}' compares numbers; '{value}' is not a number.")
    return name, test, value


def _find_test(rest: str, last: bool) -> tuple[int, int, Check] | None:
    """(start, end, test) of the test words in `rest`: the first occurrence (or the last, for an
    unquoted question, which may itself hold "is"), outside quotes, longest words first."""
    low = rest.casefold()
    hits: list[tuple[int, int, Check]] = []
    for words, test in _TEST_WORDS:
        for m in re.finditer(rf"(?:^|\s){re.escape(words)}(?=\s|$)", low):
            start = m.start() + (1 if m.group().startswith((" ", "\t")) else 0)
            if not _inside_quotes(rest, start):
                hits.append((start, start + len(words), test))
    if not hits:
        return None
    # At one position, the longest test wins ("is not" over "is").
    hits.sort(key=lambda h: (h[0], -(h[1] - h[0])))
    if not last:
        return hits[0]
    top = max(h[0] for h in hits)
    # "is" inside "is not" starts at the same place; a later bare "is" inside a value cannot be
    # told from the test, so the value should be quoted (documented).
    return next(h for h in hits if h[0] == top)


def _inside_quotes(text: str, at: int) -> bool:
    quote = None
    for c in text[:at]:
        if quote is None and c in "\"'":
            quote = c
        elif c == quote:
            quote = None
    return quote is not None


@dataclass(frozen=True)
class AttentionNote:
    """One thing the door must see before the guest goes in."""

    kind: AttentionKind
    text: str
    source: str  # "supervisor" | "provider" | "rule"
    rule: str | None = None  # the rule's text, for a rule's note

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "label": self.kind.label, "text": self.text, "source": self.source,
                "rule": self.rule}


def parse_rules(texts: Iterable[str]) -> tuple[AttentionRule, ...]:
    return tuple(parse_rule(t) for t in texts)


def notes_for(ticket_type: str | None, details: TicketDetails, *, supervisor_note: str | None = None,
              provider_attention: str | None = None, rules: Sequence[AttentionRule] = ()) -> tuple[AttentionNote, ...]:
    """The attention notes for one ticket: the supervisor's, the provider's, then each matching rule's.

    Args:
        ticket_type: the ticket's type (or price level) as the provider named it.
        details: the provider's answers and metadata for the ticket.
        supervisor_note: the note a supervisor left on the attendee (None: none).
        provider_attention: what the provider flags ("payment pending").
        rules: the list's parsed rules, in the list's order.

    Returns:
        Notes in that order, one per rule that matched (a rule that matches twice is one note).
    """
    notes: list[AttentionNote] = []
    if supervisor_note and supervisor_note.strip():
        notes.append(AttentionNote(AttentionKind.SUPERVISOR_NOTE, supervisor_note.strip(), "supervisor"))
    if provider_attention and provider_attention.strip():
        kind = AttentionKind.PAYMENT_PENDING if "payment" in fold(provider_attention) else AttentionKind.ATTENTION
        notes.append(AttentionNote(kind, provider_attention.strip(), "provider"))
    for rule in rules:
        if rule.matches(ticket_type, details):
            notes.append(AttentionNote(rule.kind, rule.describe(rule.found(ticket_type, details)), "rule", rule.text))
    return tuple(notes)


def answers_shown(details: TicketDetails, questions: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """The answers a list shows on the verdict (`show_answers`), in the list's order; an
    unanswered question is shown as "(no answer)" so staff know it was asked."""
    return tuple((q, details.answer(q) or "(no answer)") for q in questions if q and q.strip())


@dataclass(frozen=True)
class AttentionSetting:
    """What a door applies to every scan: the rules and the questions whose answers it shows."""

    rules: tuple[AttentionRule, ...] = ()
    show_answers: tuple[str, ...] = ()
    source: str = "door"  # "door", or "list <name>"
    problems: tuple[str, ...] = field(default=())  # stored rule texts this build cannot read, with why

    @classmethod
    def from_texts(cls, rules: Iterable[str], show_answers: Iterable[str] = (), source: str = "door") -> "AttentionSetting":
        """Parse stored rule texts. A text this build cannot read (a newer door's grammar, a bad
        edit) is kept as a problem: fail closed, every admission then holds with the problem shown,
        rather than the rule silently never matching."""
        parsed, problems = [], []
        for text in rules:
            try:
                parsed.append(parse_rule(text))
            except ValueError as exc:
                problems.append(str(exc))
        return cls(tuple(parsed), tuple(q for q in show_answers if isinstance(q, str) and q.strip()), source,
                   tuple(problems))

    def notes(self, ticket_type: str | None, details: TicketDetails, *, supervisor_note: str | None = None,
              provider_attention: str | None = None) -> tuple[AttentionNote, ...]:
        found = notes_for(ticket_type, details, supervisor_note=supervisor_note,
                          provider_attention=provider_attention, rules=self.rules)
        return found + tuple(AttentionNote(AttentionKind.ATTENTION, f"A rule of this door cannot be read: {p}",
                                           "rule") for p in self.problems)
