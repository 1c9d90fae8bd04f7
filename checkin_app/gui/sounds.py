"""Three short, clearly different sounds: admitted, warning, refused.

Why not QtMultimedia: it lives in PySide6-Addons (~175 MB) and, with no audio device (CI,
offscreen, a laptop with its sound server stopped), `QSoundEffect` logs Qt warnings, which the
test suite rightly treats as failures. Instead the tones are generated here as small WAV files
(stdlib `wave`) and played by the platform's own player in a background thread: `winsound` on
Windows, `afplay` on macOS, `paplay`/`pw-play`/`aplay` on Linux. Where there is none, or it fails,
the door stays silent and says so once in the log; a sound can never stall or crash a scan.
"""
from __future__ import annotations

import logging
import math
import queue
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import wave
from pathlib import Path

log = logging.getLogger(__name__)

RATE = 22_050

# (frequency Hz, seconds, waveform) segments; a 0 Hz segment is silence.
CUES: dict[str, list[tuple[float, float, str]]] = {
    "admitted": [(880, 0.08, "sine"), (0, 0.02, "sine"), (1320, 0.14, "sine")],  # rising "ding-ding"
    "warning": [(660, 0.12, "sine"), (0, 0.08, "sine"), (660, 0.12, "sine")],  # two level beeps
    "refused": [(196, 0.45, "square")],  # a low buzz
}


def render(cue: str) -> bytes:
    """16-bit mono PCM samples for a cue, with 5 ms fades so nothing clicks."""
    frames = bytearray()
    for freq, seconds, shape in CUES[cue]:
        n = int(RATE * seconds)
        fade = int(RATE * 0.005)
        for i in range(n):
            if freq == 0:
                value = 0.0
            else:
                s = math.sin(2 * math.pi * freq * i / RATE)
                value = (0.6 if s >= 0 else -0.6) if shape == "square" else 0.8 * s
                value *= min(1.0, i / fade, (n - i) / fade)
            frames += struct.pack("<h", int(value * 32767 * 0.7))
    return bytes(frames)


def write_wav(path: Path, cue: str) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(render(cue))
    return path


def _player() -> list[str] | None:
    """The command that plays a WAV file here, or None (Windows uses winsound instead)."""
    if sys.platform == "darwin":
        return ["afplay"]
    for name, extra in (("paplay", []), ("pw-play", []), ("aplay", ["-q"])):
        found = shutil.which(name)
        if found:
            return [found, *extra]
    return None


def probe(timeout_s: float = 3.0) -> str | None:
    """Why no sound can play on this machine, or None when it can.

    Finding a player is not enough (a server or a laptop whose sound card is gone has `aplay` but
    nothing to play on): it plays 20 ms of silence and reads the exit code. Takes up to `timeout_s`;
    run it off the GUI thread.
    """
    if sys.platform == "win32":
        return None  # winsound plays through the system's default device, always present
    command = _player()
    if command is None:
        return "no audio player found (paplay, pw-play or aplay)"
    with tempfile.TemporaryDirectory(prefix="checkin-sound-probe-") as tmp:
        silence = Path(tmp) / "silence.wav"
        with wave.open(str(silence), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(RATE)
            out.writeframes(b"\0\0" * (RATE // 50))
        try:
            done = subprocess.run([*command, str(silence)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                  timeout=timeout_s, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"{Path(command[0]).name} did not play ({type(exc).__name__})"
    if done.returncode != 0:
        said = done.stderr.decode(errors="replace").strip().splitlines()
        return f"{Path(command[0]).name} could not play: {said[-1] if said else f'exit {done.returncode}'}"
    return None


class Sounds:
    """Plays the cues without ever blocking the caller.

    Args:
        enabled: False keeps the door silent (a setting).
        directory: where the WAV files are written (default: a temporary dir).
    """

    def __init__(self, enabled: bool = True, directory: Path | None = None):
        self.enabled = enabled
        self.last_cue: str | None = None
        self._own_dir = directory is None
        self._dir = Path(directory or tempfile.mkdtemp(prefix="checkin-sounds-"))
        self._files: dict[str, Path] = {}
        self._queue: queue.Queue[str | None] = queue.Queue(maxsize=4)
        self._thread: threading.Thread | None = None
        self._warned = False

    def file(self, cue: str) -> Path:
        """The WAV file for a cue (written on first use)."""
        if cue not in self._files:
            self._dir.mkdir(parents=True, exist_ok=True)
            self._files[cue] = write_wav(self._dir / f"{cue}.wav", cue)
        return self._files[cue]

    def play(self, cue: str) -> None:
        """Queue a cue; a cue still waiting is dropped rather than piling up behind a fast scanner."""
        self.last_cue = cue
        if not self.enabled:
            return
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="sounds", daemon=True)
            self._thread.start()
        try:
            self._queue.put_nowait(cue)
        except queue.Full:
            pass

    def _run(self) -> None:
        command = None if sys.platform == "win32" else _player()
        while (cue := self._queue.get()) is not None:
            try:
                path = self.file(cue)
                if sys.platform == "win32":
                    import winsound

                    winsound.PlaySound(str(path), winsound.SND_FILENAME)
                elif command is None:
                    self._silent("no audio player found (paplay, pw-play or aplay)")
                else:
                    done = subprocess.run([*command, str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                          timeout=5, check=False)
                    if done.returncode != 0:
                        self._silent(f"{command[0]} exited with {done.returncode} (no audio device?)")
            except Exception as exc:  # sound is a nicety: never let it take the door down
                self._silent(f"{type(exc).__name__}: {exc}")

    def _silent(self, why: str) -> None:
        if not self._warned:
            self._warned = True
            log.info("door sounds are off: %s", why)

    def close(self) -> None:
        if self._thread is not None:
            try:
                self._queue.put_nowait(None)
            except queue.Full:
                pass
            self._thread.join(6)  # a cue plays for under a second; the player times out at 5 s
        if self._own_dir:
            shutil.rmtree(self._dir, ignore_errors=True)
