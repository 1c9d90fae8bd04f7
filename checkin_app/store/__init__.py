"""SQLite store: schema and migrations, tickets, journal, outbox, search, sync state. No Qt, no HTTP."""
from checkin_app.store.store import Store

__all__ = ["Store"]
