"""Cursor pagination over ascending id lists, the way Ticket Tailor (and Stripe) page: newest first.

Every listing in the simulator keeps its ids as a sorted list of integers, so a page costs
O(log N + page) whatever the list's size: `starting_after=X` walks down from just below X,
`ending_before=X` walks up from just above X (the page nearest X, returned newest first).
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from typing import Callable, Sequence
from urllib.parse import urlencode

CURSOR_PARAMS = ("starting_after", "ending_before")


@dataclass(frozen=True)
class PageSlice:
    """One page of ids, newest first, and whether more exist on either side."""

    ids: list[int]
    more_older: bool
    more_newer: bool


def cursor_page(ids: Sequence[int], *, starting_after: int | None = None, ending_before: int | None = None,
                limit: int = 100, lo: int = 0, hi: int | None = None,
                keep: Callable[[int], bool] | None = None) -> PageSlice:
    """Select one page from an ascending id list.

    Args:
        ids: ascending ids.
        starting_after: page of ids just below (older than) this one.
        ending_before: page of ids just above (newer than) this one; wins over `starting_after`.
        limit: page size.
        lo, hi: index window allowed by other filters (e.g. created_at bounds), as a slice.
        keep: extra per-id filter; a sparse one costs a longer walk, never a wrong page.

    Returns:
        The page, newest first.
    """
    hi = len(ids) if hi is None else hi
    picked: list[int] = []
    if ending_before is not None:
        start = max(lo, bisect_right(ids, ending_before))
        i = start
        while i < hi and len(picked) <= limit:
            if keep is None or keep(ids[i]):
                picked.append(ids[i])
            i += 1
        more_newer = len(picked) > limit
        return PageSlice(picked[:limit][::-1], more_older=start > lo, more_newer=more_newer)
    end = hi if starting_after is None else min(hi, bisect_left(ids, starting_after))
    i = end - 1
    while i >= lo and len(picked) <= limit:
        if keep is None or keep(ids[i]):
            picked.append(ids[i])
        i -= 1
    return PageSlice(picked[:limit], more_older=len(picked) > limit, more_newer=starting_after is not None and end < hi)


def index_window(values: Sequence[int], *, eq: int | None = None, gt: int | None = None, gte: int | None = None,
                 lt: int | None = None, lte: int | None = None) -> tuple[int, int]:
    """The index slice [lo, hi) of a non-decreasing list whose values pass every given bound."""
    lo, hi = 0, len(values)
    if eq is not None:
        lo, hi = max(lo, bisect_left(values, eq)), min(hi, bisect_right(values, eq))
    if gt is not None:
        lo = max(lo, bisect_right(values, gt))
    if gte is not None:
        lo = max(lo, bisect_left(values, gte))
    if lt is not None:
        hi = min(hi, bisect_left(values, lt))
    if lte is not None:
        hi = min(hi, bisect_right(values, lte))
    return lo, max(lo, hi)


def page_links(resource: str, query: dict[str, str], first_id: str | None, last_id: str | None,
               page: PageSlice) -> dict[str, str | None]:
    """`links` as real Ticket Tailor writes them: a path without `/v1`, the cursor first, then the
    other query parameters with dots rewritten to underscores (`created_at.gt` -> `created_at_gt`).

    Args:
        resource: e.g. "issued_tickets".
        query: the request's query (cursors are replaced).
        first_id, last_id: the page's first and last object ids.
        page: the selected page.
    """
    rest = [(k.replace(".", "_"), v) for k, v in query.items() if k not in CURSOR_PARAMS]

    def link(cursor: str, object_id: str | None) -> str | None:
        if object_id is None:
            return None
        return f"/{resource}?" + urlencode([(cursor, object_id), *rest])

    return {
        "next": link("starting_after", last_id) if page.more_older else None,
        "previous": link("ending_before", first_id) if page.more_newer else None,
    }
