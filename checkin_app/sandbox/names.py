"""Seeded, realistic-looking attendee names and emails for the simulated box offices.

Deterministic for a given seed, so a test or a demo shows the same people every run. Names include
accents and apostrophes on purpose: search, sorting and CSV export must cope with them.
"""
from __future__ import annotations

import random
import unicodedata

FIRST_NAMES = (
    "Olivia", "Noah", "Amelia", "Oliver", "Isla", "George", "Ava", "Arthur", "Mia", "Leo", "Ivy", "Harry",
    "Freya", "Oscar", "Lily", "Muhammad", "Florence", "Jack", "Sophia", "Theo", "Grace", "Charlie", "Aisha",
    "Henry", "Chloé", "Finley", "Zoë", "Archie", "Ella", "Luca", "Evie", "Mateo", "Poppy", "Tomás", "Sienna",
    "Kwame", "Ngozi", "Hiroshi", "Yuki", "Priya", "Arjun", "Siobhán", "Seán", "Ines", "João", "Björn",
    "Astrid", "Fatima", "Omar", "Layla", "Dmitri", "Anya", "Chen", "Mei", "Santiago", "Lucía", "Nia",
    "Kofi", "Marta", "Pawel", "Ewa", "Rhys", "Cerys", "Ruairí", "Aoife", "Elif", "Emre", "Sven", "Ingrid",
)
LAST_NAMES = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Robinson",
    "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Thomas", "Clarke",
    "Jackson", "Wood", "Harris", "Edwards", "Turner", "Martin", "Cooper", "Hill", "Ward", "Hughes",
    "O'Brien", "O'Connor", "McDonald", "MacLeod", "Nguyen", "Kowalski", "Nowak", "Müller", "Schmidt",
    "García", "Fernández", "Silva", "Santos", "Rossi", "Bianchi", "Dubois", "Lefèvre", "Okafor", "Mensah",
    "Adeyemi", "Khan", "Ahmed", "Singh", "Kaur", "Yamamoto", "Tanaka", "Kim", "Park", "Wang", "Li",
    "Andersson", "Johansson", "Novák", "Horváth", "Yilmaz", "Demir", "Ivanova", "Petrov", "Costa", "Byrne",
)
EMAIL_DOMAINS = ("example.com", "example.org", "example.net", "mail.example.co.uk")


def ascii_slug(text: str) -> str:
    """Lower-case ASCII letters and digits only ("Zoë O'Brien" -> "zoeobrien"), for email local parts."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if ch.isascii() and ch.isalnum()).lower()


class NameGenerator:
    """People drawn from fixed lists with a seeded generator.

    Args:
        seed: same seed, same sequence of people.
    """

    def __init__(self, seed: int = 0):
        self._rng = random.Random(seed)

    def person(self) -> tuple[str, str]:
        """Returns:
            (first name, last name).
        """
        return self._rng.choice(FIRST_NAMES), self._rng.choice(LAST_NAMES)

    def email(self, first: str, last: str) -> str:
        """A plausible address for the person; a number keeps namesakes apart."""
        number = self._rng.randrange(1, 1000)
        return f"{ascii_slug(first)}.{ascii_slug(last)}{number}@{self._rng.choice(EMAIL_DOMAINS)}"
