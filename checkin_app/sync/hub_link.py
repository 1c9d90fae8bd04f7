"""One door's link to the venue's NATS JetStream hub: publish its journal, apply everyone else's.

The SQLite journal stays the source of truth and the offline buffer. The link only moves rows:

- **Publishing**: every row this door holds that the hub lacks, in (device, seq) order, each
  awaited before the next (so the stream holds each device's rows in seq order, and a door that
  reads it in order never sees a gap). Rows come from `replica.rows_after` (the one wire
  serializer) beyond `hub_heads`, what the hub is known to hold per device: read from the hub
  at connect (each device subject's last message) and kept up to date by what this door publishes
  and consumes. A door therefore also relays rows it got from peers while their own door could not
  reach the hub; `Nats-Msg-Id` (device:seq) makes the hub drop a second copy. Because the mark is
  read from the hub, a hub whose store was wiped is refilled by the doors without anyone's help.
- **Consuming**: a durable pull consumer per door (`HubNames.consumer`), so a door that was away
  resumes where it stopped. Rows are unsealed (a message not sealed with the venue key for its row
  id is refused and counted) and applied with `replica.apply_rows`, the same path as rows pulled
  from a peer: quarantine, forged-row alarms, conflicts and pushes behave the same. A message is
  acknowledged (a batch at once: AckPolicy.ALL) after its rows are committed with the door's
  read mark (the stream sequence applied), so a crash in between only repeats them.
- **State**: connected / down since / lag go to `store.hub_state` for `doors status`, and
  `on_state(connected)` tells the door runner to put peer pulls on standby or wake them.

All of it runs on one asyncio loop in one background thread (nats-py is asyncio).
"""
from __future__ import annotations

import asyncio
import logging
import threading
import time
from pathlib import Path
from typing import Any, Callable

from checkin_app.domain.clock import utc_now
from checkin_app.errors import CheckinError
from checkin_app.providers.registry import pushes
from checkin_app.store import Store, hub_state, replica
from checkin_app.sync import door_auth, hub_wire

log = logging.getLogger(__name__)

FETCH_BATCH = 500
FETCH_WAIT_S = 2.0  # a held fetch answers at once when rows come, else after this (idle cost: 0.5 requests/s)
PUBLISH_TICK_S = 0.05  # how often the publisher looks for new local rows (one O(1) query)
PUBLISH_PAGE = 500
CONNECT_TIMEOUT_S = 2.0
RETRY_S = (0.5, 1.0, 2.0)  # a hub that is away is tried again every 2 s at most
STATE_EVERY_S = 2.0  # the status document is rewritten at most this often while nothing changes
DUPLICATE_WINDOW_S = 600.0  # the hub drops a second copy of a row published within this window


class HubLink:
    """Replicate one data dir's journal through the hub at `url` until `stop()`.

    Args:
        data_dir: the door's data dir (paired).
        key: the venue key.
        url: the hub, `nats://HOST:PORT`.
        push_not_before: when another door's act may be pushed from here (`peer_sync.not_before`).
        on_applied: called (on the link's thread) with each ApplyReport that applied rows.
        on_state: called with True when the link is up, False when it went down.
    """

    def __init__(self, data_dir: Path, key: bytes, url: str, *,
                 push_not_before: Callable[[str], str] | None = None,
                 on_applied: Callable[[replica.ApplyReport], None] | None = None,
                 on_state: Callable[[bool], None] | None = None):
        self.data_dir = Path(data_dir)
        self.key = key
        self.url = url
        self.names = hub_wire.HubNames(door_auth.venue_id(key))
        self.push_not_before = push_not_before
        self.on_applied = on_applied or (lambda _r: None)
        self.on_state = on_state or (lambda _c: None)
        self.connected = False
        self.published = 0
        self.received = 0
        self.rejected = 0  # messages not sealed with the venue key for the row they name
        self.hub_heads: dict[str, int] = {}
        self.stream_id = ""  # the hub's stream, by its creation time (a wiped hub's new stream differs)
        self._state: dict[str, Any] = {"url": url, "connected": False, "down_since": utc_now(), "since": None,
                                       "last_contact_at": None, "behind": None, "unpublished": None,
                                       "last_error": None, "rejected": 0}
        self._state_written = 0.0
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._started = threading.Event()
        with Store(self.data_dir) as store:
            self.device_id = store.device_id
        self.store: Store | None = None

    # -- life ---------------------------------------------------------------------------------

    def start(self) -> "HubLink":
        self._thread = threading.Thread(target=self._run, name=f"hub-link {self.url}", daemon=True)
        self._thread.start()
        self._started.wait(5.0)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        loop, stopping = self._loop, self._stopping
        if loop is not None and stopping is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(stopping.set)
            except RuntimeError:  # the loop ended by itself
                pass
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        self.store = Store(self.data_dir)
        try:
            asyncio.run(self._main())
        finally:
            try:
                self._write_state(self._state | {"connected": False}, force=True)
            except CheckinError:
                pass
            self.store.close()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        self._started.set()
        failures = 0
        while not self._stopping.is_set():
            try:
                await self._session()
                failures = 0
            except Exception as exc:  # noqa: BLE001 - whatever ends a session, the door keeps trying
                if not isinstance(exc, (OSError, asyncio.TimeoutError, CheckinError)) and "nats" not in type(exc).__module__:
                    log.exception("hub link to %s crashed; reconnecting", self.url)
                elif failures == 0:
                    log.warning("hub %s: %s", self.url, _said(exc))
                self._went_down(_said(exc))
                failures += 1
            if self._stopping.is_set():
                break
            try:
                await asyncio.wait_for(self._stopping.wait(), RETRY_S[min(failures, len(RETRY_S) - 1)])
            except asyncio.TimeoutError:
                pass

    # -- one connection -------------------------------------------------------------------------

    async def _session(self) -> None:
        import nats

        lost = asyncio.Event()

        async def closed() -> None:
            lost.set()

        async def quiet(_exc: Exception) -> None:  # errors end the session below; no nats-py log spam
            return None

        nc = await nats.connect(self.url, nkeys_seed_str=hub_wire.nkey_seed(self.key), name=f"door {self.device_id}",
                                connect_timeout=CONNECT_TIMEOUT_S, allow_reconnect=False, max_reconnect_attempts=0,
                                ping_interval=2, max_outstanding_pings=2, closed_cb=closed, disconnected_cb=closed,
                                error_cb=quiet)
        try:
            js = nc.jetstream(timeout=5.0)
            self.stream_id = await ensure_stream(js, self.names)
            self.hub_heads = await hub_heads(js, self.names, replica.heads(self._conn()))
            mark = hub_state.load_mark(self._conn(), self.stream_id)
            sub = await open_consumer(js, self.names, self.device_id, mark)
            self._went_up()
            tasks = [asyncio.ensure_future(c) for c in (self._publish(js), self._consume(nc, js, sub),
                                                        lost.wait(), self._stopping.wait())]  # type: ignore[union-attr]
            try:
                done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in tasks:
                    task.cancel()
                await _close(nc)  # first: a fetch that swallowed its cancellation ends with the connection
                await asyncio.wait(tasks, timeout=2.0)
            for task in done:
                if not task.cancelled() and task.exception() is not None:
                    raise task.exception()  # type: ignore[misc]
            if lost.is_set() and not self._stopping.is_set():  # type: ignore[union-attr]
                raise ConnectionError("the hub closed the connection")
        finally:
            await _close(nc)

    def _conn(self):
        assert self.store is not None
        return self.store.conn

    async def _publish(self, js) -> None:
        """Publish every row the hub lacks, oldest first per device, for as long as the link is up."""
        seen = None
        while True:
            mark = hub_state.last_journal_id(self._conn())
            if mark != seen:
                rows = replica.rows_after(self._conn(), self.hub_heads, limit=PUBLISH_PAGE)
                complete = len(rows) < PUBLISH_PAGE
                before = self.published
                for row in rows:
                    device = row["device_id"]
                    if device not in self.hub_heads:  # a device first seen since connecting: ask the hub
                        self.hub_heads[device] = await last_seq(js, self.names, device)
                    if row["seq"] <= self.hub_heads[device]:
                        continue  # the hub has it (the consumer brought it meanwhile)
                    if row["seq"] != self.hub_heads[device] + 1:
                        complete = False  # keep each device's rows contiguous on the hub: next round
                        continue
                    body, headers = hub_wire.seal_row(self.key, row)
                    await js.publish(self.names.subject(device), body, stream=self.names.stream, headers=headers)
                    self.hub_heads[device] = row["seq"]
                    self.published += 1
                if complete:
                    seen = mark
                self._state["unpublished"] = 0 if complete else None
                self._write_state(self._state)
                if not complete and self.published > before:
                    continue  # more to send: no pause
            await asyncio.sleep(PUBLISH_TICK_S)

    async def _consume(self, nc, js, sub) -> None:
        """Apply every other door's rows from this door's durable consumer, in the stream's order."""
        while not nc.is_closed:  # (nats-py's fetch can swallow a cancellation: the closed link ends the loop)
            try:
                msgs = await sub.fetch(FETCH_BATCH, timeout=FETCH_WAIT_S)
            except asyncio.TimeoutError:
                self._state.update(behind=0, last_contact_at=utc_now())
                self._write_state(self._state)
                continue
            if not msgs:  # nats-py answers an empty batch now and then (a status-only reply)
                continue
            rows = []
            for msg in msgs:
                try:
                    rows.append(hub_wire.open_row(self.key, msg.subject, msg.data, msg.headers))
                except hub_wire.HubMessageError as exc:
                    self.rejected += 1
                    log.warning("hub %s: refused a message: %s", self.url, exc)
            report = self._apply(rows, msgs[-1].metadata.sequence.stream)
            await msgs[-1].ack()
            self.received += len(rows)
            self._state.update(behind=msgs[-1].metadata.num_pending, last_contact_at=utc_now(), rejected=self.rejected)
            self._write_state(self._state)
            if report.gaps:
                await self._repair(js)
            if report.applied:
                self.on_applied(report)

    def _apply(self, rows: list[dict], stream_seq: int | None = None) -> replica.ApplyReport:
        """Apply rows (one transaction); with `stream_seq`, move this door's read mark with them."""
        store = self.store
        assert store is not None
        with store.transaction() as conn:
            report = replica.apply_rows(conn, rows, own_device=store.device_id, pushes=pushes, now=utc_now(),
                                        push_not_before=self.push_not_before, source=f"hub {self.url}") \
                if rows else replica.ApplyReport()
            if stream_seq is not None:
                hub_state.save_mark(conn, self.stream_id, stream_seq)
            held = replica.heads(conn)
        for row in rows:
            device, seq = row["device_id"], row["seq"]
            if seq <= held.get(device, 0):
                self.hub_heads[device] = max(self.hub_heads.get(device, 0), seq)
        return report

    async def _repair(self, js) -> None:
        """Rows came after a gap (a redelivery out of order): read the missing devices' rows again.

        An ordered, ephemeral consumer per device from the stream's start; rows already held are
        skipped by the apply path. Rare: the publishers keep each device's rows in order.
        """
        from nats.js.api import DeliverPolicy

        held = replica.heads(self._conn())
        for device, top in list(self.hub_heads.items()):
            if held.get(device, 0) >= top:
                continue
            sub = await js.pull_subscribe(self.names.subject(device), stream=self.names.stream,
                                          config=_ephemeral(DeliverPolicy.ALL))
            try:
                while True:
                    try:
                        msgs = await sub.fetch(FETCH_BATCH, timeout=1.0)
                    except asyncio.TimeoutError:
                        break
                    rows = []
                    for msg in msgs:
                        try:
                            rows.append(hub_wire.open_row(self.key, msg.subject, msg.data, msg.headers))
                        except hub_wire.HubMessageError:
                            self.rejected += 1
                    self._apply(rows)
                    if msgs[-1].metadata.num_pending == 0:
                        break
            finally:
                await sub.unsubscribe()

    # -- state ------------------------------------------------------------------------------------

    def _went_up(self) -> None:
        self.connected = True
        self._state.update(connected=True, since=utc_now(), down_since=None, last_contact_at=utc_now(), last_error=None)
        self._write_state(self._state, force=True)
        log.info("hub %s connected: replicating through it", self.url)
        self.on_state(True)

    def _went_down(self, error: str) -> None:
        was = self.connected
        self.connected = False
        self._state.update(connected=False, last_error=error[:300], since=None,
                           down_since=self._state.get("down_since") or utc_now())
        try:
            self._write_state(self._state, force=True)
        except CheckinError:
            pass
        if was:
            log.warning("hub %s is down (%s): the door keeps admitting and replicates with its peers", self.url, error)
        self.on_state(False)

    def _write_state(self, state: dict[str, Any], force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._state_written < STATE_EVERY_S:
            return
        self._state_written = now
        state = dict(state, published=self.published, received=self.received, written_at=utc_now())
        assert self.store is not None
        with self.store.transaction() as conn:
            hub_state.save(conn, state)


async def _close(nc) -> None:
    if not nc.is_closed:
        try:
            await asyncio.wait_for(nc.close(), 2.0)
        except Exception:  # noqa: BLE001 - closing a dead link
            pass


def _said(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) < 200 else text[:197] + "..."


def _ephemeral(deliver):
    from nats.js.api import AckPolicy, ConsumerConfig

    return ConsumerConfig(ack_policy=AckPolicy.NONE, deliver_policy=deliver, inactive_threshold=30)


async def ensure_stream(js, names: hub_wire.HubNames) -> str:
    """Create the venue's stream on the hub if it is not there (every door may be the first).

    Returns:
        The stream's identity: its creation time (a hub whose store was wiped has a new one).
    """
    from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
    from nats.js.errors import NotFoundError

    try:
        return str((await js.stream_info(names.stream)).created)
    except NotFoundError:
        pass
    info = await js.add_stream(StreamConfig(
        name=names.stream, subjects=[names.subjects], retention=RetentionPolicy.LIMITS, storage=StorageType.FILE,
        discard=DiscardPolicy.NEW,  # a full hub refuses new rows (the doors keep them) rather than drop old ones
        max_msg_size=hub_wire.MAX_MESSAGE_BYTES, duplicate_window=DUPLICATE_WINDOW_S))
    return str(info.created)


async def open_consumer(js, names: hub_wire.HubNames, device_id: str, mark: int):
    """This door's durable pull consumer, delivering from just after `mark` (the last stream
    sequence the door applied; 0: from the start).

    Acknowledgements are AckPolicy.ALL: rows are applied in the stream's order, so acknowledging a
    batch's last message (after its commit) acknowledges the batch: one ack a fetch, not one a row.
    That would also acknowledge messages sent to a link that died before applying them, so when
    the hub has delivered beyond the door's mark, the consumer is made again from the mark.
    """
    from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
    from nats.js.errors import NotFoundError

    durable = names.consumer(device_id)
    try:
        info = await js.consumer_info(names.stream, durable)
        fresh = info.delivered is not None and (info.delivered.stream_seq or 0) > mark
        if fresh:
            await js.delete_consumer(names.stream, durable)
    except NotFoundError:
        fresh = True
    config = ConsumerConfig(durable_name=durable, ack_policy=AckPolicy.ALL, ack_wait=30, max_ack_pending=20_000,
                            deliver_policy=DeliverPolicy.ALL)
    if fresh and mark > 0:
        config.deliver_policy, config.opt_start_seq = DeliverPolicy.BY_START_SEQUENCE, mark + 1
    return await js.pull_subscribe(names.subjects, durable=durable, stream=names.stream, config=config)


async def last_seq(js, names: hub_wire.HubNames, device: str) -> int:
    """The highest seq of `device` the hub holds (0: none): its subject's last message."""
    from nats.js.errors import NotFoundError

    try:
        msg = await js.get_last_msg(names.stream, names.subject(device))
    except NotFoundError:
        return 0
    text = (msg.headers or {}).get(hub_wire.H_SEQ, "0")
    return int(text) if text.isdigit() else 0


async def hub_heads(js, names: hub_wire.HubNames, local: dict[str, int]) -> dict[str, int]:
    """What the hub holds of each device this door knows (one small request per device)."""
    return {device: await last_seq(js, names, device) for device in local}
