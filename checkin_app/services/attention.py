"""Attention settings a door applies when it scans without a check-in list (docs/architecture.md,
"Attention at the door"). A list's own rules come with the list; these are the door's fallback."""
from __future__ import annotations

from checkin_app.domain.attention import AttentionSetting, parse_rule
from checkin_app.errors import CheckinError
from checkin_app.store import Store
from checkin_app.store import attention as attention_store


def door_setting(store: Store) -> AttentionSetting:
    return attention_store.door_setting(store.conn)


def door_texts(store: Store) -> dict[str, list[str]]:
    rules, shown = attention_store.door_texts(store.conn)
    return {"rules": rules, "show_answers": shown}


def set_door_rules(store: Store, rules: list[str], show_answers: list[str]) -> AttentionSetting:
    """Replace this door's rules and the questions whose answers its verdicts show.

    Raises:
        CheckinError: a rule that cannot be read (its sentence from `parse_rule`); nothing is changed.
    """
    for text in rules:
        try:
            parse_rule(text)
        except ValueError as exc:
            raise CheckinError(str(exc)) from None
    shown = [q.strip() for q in show_answers if q and q.strip()]
    with store.transaction() as conn:
        attention_store.set_door_texts(conn, rules, shown)
    return door_setting(store)
