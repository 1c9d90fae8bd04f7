"""`checkin-app doors ...`: pair the doors of a venue and replicate check-ins between them.

    doors create-venue [--name DOOR] [--key-env VAR]   first door: make the venue key
    doors pair [--qr FILE] [--json]                    show the key (QR + text) for the next door
    doors join [KEYTEXT] [--key-env VAR] [--name DOOR] another door: join with the key
    doors serve [--host H] [--port P] [--peer URL ...] [--hub nats://H:P] [--name DOOR] [--no-discovery] [--json]
                [--topology auto|mesh|gossip] [--fanout K]
    doors hub [--host H] [--port P] [--json]           run the venue's hub (NATS JetStream) until interrupted
    doors status [--json]                              peers: connected, lag, last contact
    doors conflicts [--json]                           double admissions, admissions around voids
"""
from __future__ import annotations

import json
import sys

from checkin_app.cli.common import EXIT_OK, emit, open_app
from checkin_app.cli.registry import arg, command, group

group("doors", help="several doors of one venue: pair them and share check-ins on the local network")

_NAME = arg("--name", help="this door's name")
_KEY_ENV = arg("--key-env", metavar="VAR", help="environment variable holding the key")


@command("doors create-venue", arg("--name", help="this door's name (e.g. 'North door')"),
         arg("--key-env", metavar="VAR", help="environment variable that holds (or will hold) the key"),
         help="first door: create the venue key (kept in the OS keyring or --key-env)", options=("json",))
def _create_venue(args) -> int:
    from checkin_app.services import doors

    with open_app(args) as app:
        key, settings = doors.create_venue(app.store, args.name, args.key_env)
    text = doors.key_text(key)
    where = "the OS keyring" if "keyring" in settings["key"] else f"${settings['key']['env']}"
    emit(args, {"venue_id": settings["venue_id"], "door": settings["door"], "key_text": text, "key_in": where},
         f"venue {settings['venue_id']} created; this door is {settings['door']!r}\n"
         f"venue key (secret; kept in {where}): {text}\n"
         + ("" if "keyring" in settings["key"] or args.key_env and _env_holds(args.key_env, text)
            else f"set {settings['key']['env']} to this key before `doors serve`\n")
         + "show it to the next door with `checkin-app doors pair`")
    return EXIT_OK


def _env_holds(var: str, text: str) -> bool:
    import os

    return os.environ.get(var, "").strip().upper() == text


@command("doors pair", arg("--qr", metavar="FILE", help="write the QR code to FILE (.png or .svg)"),
         help="show the venue key for another door: QR code and text", options=("json",))
def _pair(args) -> int:
    import segno

    from checkin_app.errors import CheckinError
    from checkin_app.services import doors

    with open_app(args) as app:
        info = doors.pairing(app.store)
    qr = segno.make(info["qr"], error="m")
    if args.qr:
        try:
            qr.save(args.qr, scale=8, border=4)
        except (OSError, ValueError) as exc:
            raise CheckinError(f"cannot write the QR code to {args.qr}: {exc}") from None
    if args.json:
        emit(args, {**info, "qr_file": args.qr})
    else:
        if not args.qr:
            qr.terminal(out=sys.stdout, compact=True)
        print(f"venue {info['venue_id']}: on the other door run `checkin-app doors join` with this key:\n{info['text']}"
              + (f"\nQR code written to {args.qr}" if args.qr else ""))
    return EXIT_OK


@command("doors join", arg("key", nargs="?", metavar="KEYTEXT", help="the key text (CV1-...) or scanned QR text"),
         _KEY_ENV, arg("--from-image", metavar="FILE", help="read the key from a photo or file of the QR code (PNG/JPEG)"),
         _NAME, help="join a venue with the key shown by `doors pair` on its first door", options=("json",))
def _join(args) -> int:
    from checkin_app.services import doors

    key_text = _key_from_image(args.from_image) if args.from_image else args.key
    with open_app(args) as app:
        settings = doors.join_venue(app.store, key_text, args.name, args.key_env)
    emit(args, {"venue_id": settings["venue_id"], "door": settings["door"]},
         f"joined venue {settings['venue_id']} as {settings['door']!r}; start sharing with `checkin-app doors serve`")
    return EXIT_OK


def _key_from_image(path: str) -> str:
    from checkin_app.services.doors import key_from_image

    return key_from_image(path)


@command("doors serve", arg("--host", default="0.0.0.0", help="interface to listen on (default: all)"),
         arg("--port", type=int, default=8722, help="port (0: any free port)"),
         arg("--peer", action="append", default=[], metavar="URL",
             help="another door's URL, where multicast discovery is blocked (repeatable)"),
         _NAME, arg("--no-discovery", action="store_true", help="do not advertise or browse with multicast DNS"),
         arg("--sync-interval", type=float, default=0.0, metavar="S",
             help="also push/pull the ticketing platform every S seconds (0: off)"),
         arg("--push-grace", type=float, default=10.0, metavar="S",
             help="let the door that made an act push it for S seconds before this door may"),
         arg("--topology", choices=("auto", "mesh", "gossip"), default="auto",
             help="pull every door (mesh), a few rotating ones with rows relayed (gossip), or mesh up to "
                  "10 doors and gossip beyond (auto, the default)"),
         arg("--fanout", type=int, default=3, metavar="K", help="doors pulled at once in gossip (default 3)"),
         arg("--hub", metavar="nats://HOST:PORT",
             help="replicate through the venue's hub (`doors hub`); peers take over while it is down"),
         help="serve this door's journal to the venue's doors and pull theirs, until interrupted",
         options=("json",))  # with --json the door's URL is printed as one JSON line first
def _serve(args) -> int:
    from checkin_app.services.door_runner import DoorRunner

    with open_app(args) as app:
        data_dir = app.data_dir
    runner = DoorRunner(data_dir, host=args.host, port=args.port, peers=args.peer, door=args.name,
                        discovery=not args.no_discovery, sync_interval_s=args.sync_interval,
                        push_grace_s=args.push_grace, hub=args.hub, topology=args.topology, fanout=args.fanout)
    runner.start()
    info = {"url": runner.url, "device_id": runner.device_id, "door": runner.door, "venue_id": runner.venue_id,
            "hub": runner.hub.url if runner.hub else None}
    print(json.dumps(info) if args.json else f"door {runner.door!r} serving at {runner.url} (venue {runner.venue_id})",
          flush=True)
    try:
        runner.wait()
    finally:
        runner.stop()
    return EXIT_OK


@command("doors hub", arg("--host", default="0.0.0.0", help="interface to listen on (default: all)"),
         arg("--port", type=int, default=4222, help="port (default 4222; 0: any free port)"),
         help="run the venue's hub (a NATS JetStream server, store in the data dir) for `doors serve --hub`, "
              "until interrupted", options=("json",))  # with --json the hub's URL is printed as one JSON line first
def _hub(args) -> int:
    import signal
    import threading

    from checkin_app.services.hub import hub_server

    with open_app(args) as app:
        data_dir = app.data_dir
    server = hub_server(data_dir, host=args.host, port=args.port,
                        on_event=lambda line: print(line, file=sys.stderr, flush=True))
    server.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    info = {"url": server.url, "port": server.port, "pid": server.pid(), "store": str(server.store_dir)}
    print(json.dumps(info) if args.json else
          f"hub running at nats://{args.host}:{server.port} (JetStream store in {server.store_dir}); on each door: "
          f"checkin-app doors serve --hub nats://THIS-MACHINE:{server.port}", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return EXIT_OK


@command("doors status", help="the other doors: connected or not, lag, last contact", options=("json",))
def _status(args) -> int:
    from checkin_app.services import doors, hub_status

    with open_app(args) as app:
        st = doors.status(app.store)
    if not st.paired:
        emit(args, st.to_dict(), "this door is not paired (doors create-venue / doors join)")
        return EXIT_OK
    lines = [f"{st.door} ({st.device_id}), venue {st.venue_id}: {st.journal_rows} journal rows, "
             f"{st.open_conflicts} open conflicts"]
    if st.hub is not None:
        lines.append("  " + hub_status.describe(st.hub))
    if st.topology:
        lines.append(topology_line(st.topology))
    for d in st.doors:
        state = "connected" if d["connected"] else "relayed" if d.get("relayed") else "NOT CONNECTED"
        seen = "never" if d["last_contact_age_s"] is None else f"{d['last_contact_age_s']} s ago"
        lines.append(f"  {d['door'] or '?':<16} {d['url']:<28} {state:<13} behind {d['behind']:>5} rows, "
                     f"last contact {seen}, clock {d['clock']}" + (f"  ({d['last_error']})" if d["last_error"] else ""))
        if d["restarts"]:
            lines.append(f"    pull worker restarted {d['restarts']} time(s); last: {d['last_crash']} ({d['last_crash_at']})")
    if not st.doors:
        lines.append("  no other door seen yet")
    lines += [f"NOTE: {n}" for n in st.notices]
    for a in st.alarms:
        lines.append(f"ALARM: two versions of row {a['device']} #{a['seq']} (the second from {a['other_from'] or '?'}): "
                     f"held {_version(a['held'])}; other {_version(a['other'])}"
                     + ("; the held one is not pushed from here" if a["push_held"] else ""))
    if st.quarantined_count:
        lines.append(f"{st.quarantined_count} row(s) from other doors quarantined (not applied):")
        for q in st.quarantined[:20]:
            where = f"{q['device_id']} #{q['seq']}" if q["device_id"] else "row without device/seq"
            lines.append(f"  {where}: {q['reason']} (from {q['source'] or '?'}, {q['received_at']})")
    emit(args, st.to_dict(), "\n".join(lines))
    return EXIT_OK


def topology_line(topology: dict) -> str:
    """How this door replicates: a full mesh, or gossip with the doors it pulls now."""
    if topology.get("mode") == "gossip":
        return (f"  sparse gossip: {topology.get('doors')} doors known, pulling {len(topology.get('pulling') or [])} "
                f"of them (rows of the others are relayed; the choice turns every {topology.get('rotate_s'):g} s)")
    return f"  full mesh: {topology.get('doors')} doors known, pulling every other door"


def _version(row) -> str:
    if not isinstance(row, dict):
        return repr(row)[:80]
    return " ".join(str(row.get(k)) for k in ("op", "verdict", "code") if row.get(k)) + \
        f" at {row.get('at')} by {row.get('door') or '?'}"


@command("doors conflicts", arg("--all", action="store_true", help="include resolved ones"),
         help="double admissions and admissions around voids, found between doors", options=("json",))
def _conflicts(args) -> int:
    from checkin_app.domain.models import ConflictKind
    from checkin_app.services.supervisor import conflicts

    with open_app(args) as app:
        rows = [c.to_dict() for c in conflicts(app.store, include_resolved=args.all) if c.kind is not ConflictKind.PUSH_FAILED]
    lines = []
    for c in rows:
        d = c["detail"]
        if c["kind"] == "forged_row":
            lines.append(f"{c['kind']:<22} row {d.get('device')} #{d.get('seq')}: held {_version(d.get('held'))}; "
                         f"other {_version(d.get('other'))} (from {d.get('other_from') or '?'})")
            continue
        first, second = d.get("first", {}), d.get("second", {})
        lines.append(f"{c['kind']:<22} {c['code'] or '?':<14} {c['holder_name'] or '':<20} "
                     f"{first.get('at', '?')} at {first.get('door') or first.get('device')} / "
                     f"{second.get('at', '?')} at {second.get('door') or second.get('device')}")
    emit(args, {"conflicts": rows}, "\n".join(lines) or "no conflicts")
    return EXIT_OK

