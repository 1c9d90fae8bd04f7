"""Attention rules as staff type them, and the notes a ticket gets (domain/attention.py, pure)."""
import pytest

from checkin_app.domain.attention import (AttentionKind, AttentionSetting, Subject, Check, TicketDetails, answers_shown,
                                          notes_for, parse_rule)
from checkin_app.domain.rules import ScanContext, TicketState, VerdictKind, decide


@pytest.mark.parametrize("text, kind, subject, name, test, value, note", [
    ("vip: ticket type contains VIP", AttentionKind.VIP, Subject.TICKET_TYPE, None, Check.CONTAINS, "VIP", None),
    ("VIP:ticket type   contains vip", AttentionKind.VIP, Subject.TICKET_TYPE, None, Check.CONTAINS, "vip", None),
    ("price level is VIP", AttentionKind.ATTENTION, Subject.TICKET_TYPE, None, Check.IS, "VIP", None),
    ("ticket type is not Standard", AttentionKind.ATTENTION, Subject.TICKET_TYPE, None, Check.IS_NOT, "Standard", None),
    ('id: answer to "Date of birth" is given -> Check photo ID', AttentionKind.ID_CHECK, Subject.ANSWER,
     "Date of birth", Check.GIVEN, None, "Check photo ID"),
    # An unquoted question ends at the rule's last test word: the question itself may say "is".
    ("age: answer to What is your age is under 18", AttentionKind.ID_CHECK, Subject.ANSWER, "What is your age",
     Check.UNDER, "18", None),
    ("accessibility: answer to Do you need step-free access? is Yes", AttentionKind.ACCESSIBILITY, Subject.ANSWER,
     "Do you need step-free access?", Check.IS, "Yes", None),
    ("add-on: metadata comment contains programme → Hand over the programme", AttentionKind.ADD_ON,
     Subject.METADATA, "comment", Check.CONTAINS, "programme", "Hand over the programme"),
    ('ticket type is "Friend is here"', AttentionKind.ATTENTION, Subject.TICKET_TYPE, None, Check.IS, "Friend is here",
     None),
    ("answer to Wheelchair starts with Y", AttentionKind.ATTENTION, Subject.ANSWER, "Wheelchair", Check.STARTS_WITH,
     "Y", None),
    ("answer to Age is over 65", AttentionKind.ATTENTION, Subject.ANSWER, "Age", Check.OVER, "65", None),
    ("add-on is given", AttentionKind.ADD_ON, Subject.ADD_ON, None, Check.GIVEN, None, None),
    ("add-on: add-ons contain programme", None, None, None, None, None, None),  # "contain": not a test word
    ("add-on: add-on contains programme -> Hand over", AttentionKind.ADD_ON, Subject.ADD_ON, None, Check.CONTAINS,
     "programme", "Hand over"),
    ("answer to Note: allergies is given", AttentionKind.ATTENTION, Subject.ANSWER, "Note: allergies", Check.GIVEN,
     None, None),
])
def test_rules_read_as_staff_type_them(text, kind, subject, name, test, value, note):
    if kind is None:
        with pytest.raises(ValueError, match="say how to compare"):
            parse_rule(text)
        return
    rule = parse_rule(text)
    assert (rule.kind, rule.subject, rule.name, rule.test, rule.value, rule.note) == (kind, subject, name, test, value,
                                                                                        note)
    assert rule.text == text  # kept verbatim


@pytest.mark.parametrize("text, words", [
    ("", "empty"),
    ("   ", "empty"),
    ("vipp: ticket type is X", "'vipp' is not a kind of attention"),
    ("ticket typ is X", "a rule reads 'ticket type'"),
    ("ticket type VIP", "say how to compare"),
    ("answer to is X", "name the question"),
    ("ticket type is given now", "takes no value"),
    ("answer to Age is under old", "compares numbers"),
    ("vip: ticket type contains VIP ->", "nothing follows '->'"),
    ("ticket type contains", "nothing to compare with after 'contains'"),
    ('answer to "Age is under 18', "never closed"),
    ("ticket type is X\n", "control characters"),
    ("ticket type is " + "x" * 600, "at most 500"),
])
def test_a_rule_that_cannot_be_read_says_why_in_a_sentence(text, words):
    with pytest.raises(ValueError) as caught:
        parse_rule(text)
    message = str(caught.value)
    assert words in message and message.endswith(".")


DETAILS = TicketDetails(answers=(("Date of birth", "2010-04-01"), ("Age", "17"), ("Do you need step-free access?", "yes"),
                                 ("How old?", "seventeen")),
                        metadata=(("comment", "Programme + T-shirt"), ("row", "H")), add_ons=("T-shirt ×1",))


@pytest.mark.parametrize("text, ticket_type, matches", [
    ("vip: ticket type contains VIP", "VIP Gold", True),
    ("vip: ticket type contains VIP", "General", False),
    ("vip: ticket type contains VIP", None, False),
    ("ticket type is not Standard", "Standard", False),
    ("ticket type is not Standard", None, True),  # fail closed: a missing value is "not Standard"
    ("answer to date of birth is given", "GA", True),  # case and spaces never matter
    ("answer to Dietary needs is given", "GA", False),
    ("answer to Age is under 18", "GA", True),
    ("answer to Age is under 17", "GA", False),
    ("answer to How old is under 18", "GA", True),  # not a number: the door cannot tell, so it asks
    ("answer to Do you need step-free access is Yes", "GA", True),  # the question's "?" is optional
    ("metadata comment contains t-shirt", "GA", True),
    ("metadata row is J", "GA", False),
    ("add-on contains t-shirt", "GA", True),
    ("add-on is given", "GA", True),
])
def test_rules_match_what_the_provider_said(text, ticket_type, matches):
    assert parse_rule(text).matches(ticket_type, DETAILS) is matches


def test_notes_come_supervisor_first_then_provider_then_rules_in_the_lists_order():
    rules = [parse_rule("vip: ticket type contains VIP"), parse_rule("id: answer to Age is under 18 -> Check ID"),
             parse_rule("accessibility: answer to Wheelchair is yes")]
    notes = notes_for("VIP Gold", DETAILS, supervisor_note="Banned from the bar", provider_attention="payment pending",
                      rules=rules)
    assert [(n.kind, n.text, n.source) for n in notes] == [
        (AttentionKind.SUPERVISOR_NOTE, "Banned from the bar", "supervisor"),
        (AttentionKind.PAYMENT_PENDING, "payment pending", "provider"),
        (AttentionKind.VIP, "VIP: ticket type VIP Gold", "rule"),
        (AttentionKind.ID_CHECK, "Check ID", "rule"),
    ]
    assert notes[2].rule == "vip: ticket type contains VIP"
    assert notes_for("GA", TicketDetails(), rules=rules) == ()


def test_answers_shown_keep_the_lists_order_and_say_when_unanswered():
    assert answers_shown(DETAILS, ["Age", "Dietary needs"]) == (("Age", "17"), ("Dietary needs", "(no answer)"))


def test_a_stored_rule_this_build_cannot_read_holds_every_admission_with_the_problem():
    setting = AttentionSetting.from_texts(["vip: ticket type contains VIP", "vip: ticket type resembles VIP"])
    assert len(setting.rules) == 1 and len(setting.problems) == 1
    notes = setting.notes("General", TicketDetails())
    assert len(notes) == 1 and "cannot be read" in notes[0].text and "resembles" in notes[0].text


def state(**kw):
    return TicketState(ticket_id=1, event_id=1, event_name="Night", code="ABC", holder_name="Ann", **kw)


def test_the_verdict_carries_notes_and_answers_and_holds_only_an_admission():
    ctx = ScanContext(attention=AttentionSetting.from_texts(["vip: ticket type contains VIP"], ["Age"]))
    v = decide([state(ticket_type="VIP", details=DETAILS)], "ABC", ctx)
    assert v.kind is VerdictKind.ADMITTED and v.held
    assert [n.text for n in v.attention] == ["VIP: ticket type VIP"] and v.answers == (("Age", "17"),)
    d = v.to_dict()
    assert d["held"] is True and d["attention"][0]["kind"] == "vip" and d["answers"] == [{"question": "Age", "answer": "17"}]
    # Already in: the notes still show (the door should know), but nothing holds.
    again = decide([state(ticket_type="VIP", checked_in_at="2026-11-30T19:00:00+00:00", inside=True, hold_open=True)],
                   "ABC", ctx)
    assert again.kind is VerdictKind.ALREADY_CHECKED_IN and not again.held and again.attention
    assert "held there for a staff check now" in again.message
    plain = decide([state(ticket_type="GA")], "ABC", ctx)
    assert plain.kind is VerdictKind.ADMITTED and not plain.held and plain.attention == ()


def test_a_supervisor_note_holds_an_admission_without_any_rule():
    v = decide([state(note="Wristband: under 18")], "ABC")
    assert v.held and v.attention[0].kind is AttentionKind.SUPERVISOR_NOTE
