"""`checkin-app demo` where there is no screen: the same flow, told in the terminal.

A server, a container or an SSH session has no display for the window. Rather than stop at "no
display", the demo runs exactly what the window would run (the sandbox box office synced through
the real client, a rendered video of tickets decoded frame by frame, each confirmed code decided
by the check-in service) and prints each verdict as the door would show it.
"""
from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Callable

from checkin_app.demo import Demo
from checkin_app.domain.rules import VerdictKind
from checkin_app.scanning.sources import VideoFileSource
from checkin_app.scanning.synth import write_ticket_video
from checkin_app.services import doors
from checkin_app.services.checkin import CheckinService
from checkin_app.services.scanner import door_pipeline
from checkin_app.store import Store, tickets

# Never colour alone: every line carries a mark and the verdict in words too.
_MARKS = {VerdictKind.ADMITTED: "✔", VerdictKind.FORCED: "✔", VerdictKind.EXITED: "↩",
          VerdictKind.ALREADY_CHECKED_IN: "!", VerdictKind.WRONG_EVENT: "!"}


def run(say: Callable[[str], None] = print, arrivals: int = 5, data_dir: Path | None = None) -> dict:
    """Run the demo once, printing as it goes. Returns what happened (for tests).

    Args:
        say: where each line goes.
        arrivals: fresh tickets in the video (plus one already checked in and one refunded).
        data_dir: keep the demo's data here (`demo --data-dir DIR`); default: a temporary dir.
    """
    demo = Demo(data_dir)
    started = time.monotonic()
    verdicts: list[dict] = []
    try:
        demo.start()
        say(f"Sandbox box office (a simulated Ticket Tailor account) on {demo.sandbox.base_url}")
        report = demo.sync()
        with Store(demo.data_dir) as store:
            attendees = tickets.ticket_count(store.conn)
            say(f"Synced {attendees:,} attendees through the real API client in "
                f"{time.monotonic() - started:.1f} s ({report.pull.pages if report.pull else 0} pages)")
            codes = demo.door_codes(arrivals)
            video = Path(tempfile.mkdtemp(prefix="checkin-demo-video-", dir=demo.data_dir)) / "door.avi"
            write_ticket_video(video, codes, fps=15.0, hold=8, gap=10)
            say(f"Holding {len(codes)} tickets up to the camera (a rendered video, decoded frame by frame):")
            pipeline, door = door_pipeline(store), CheckinService(store, door=doors.door_name(store))
            source = VideoFileSource(video)
            frame_no = 0
            try:
                while (frame := source.read()) is not None:
                    for scan in pipeline.process(frame, t=frame_no / 15.0).scans:
                        verdict = door.scan(scan.code)
                        mark = _MARKS.get(verdict.kind, "✘")
                        say(f"  {mark} {verdict.kind.value.upper().replace('_', ' '):<19} {verdict.message}")
                        verdicts.append({"code": scan.code, "verdict": verdict.kind.value})
                    frame_no += 1
            finally:
                source.close()
        say(f"Done in {time.monotonic() - started:.1f} s. On a desktop, `checkin-app demo` shows this in the "
            "door window (or run it under `xvfb-run` for a virtual screen).")
        return {"attendees": attendees, "codes": codes, "verdicts": verdicts}
    finally:
        demo.stop()
