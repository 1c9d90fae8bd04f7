"""Short, clearly different sounds: admitted, warning, refused, and attention (a held guest).

Why not QtMultimedia: it lives in PySide6-Addons (~175 MB) and, with no audio device (CI,
offscreen, a laptop with its sound server stopped), `QSoundEffect` logs Qt warnings, which the
test suite rightly treats as failures. Instead the cues are WAV files shipped in
checkin_app/resources/sounds/ (admitted.wav, warning.wav, refused.wav, attention.wav: a designer replaces them
without touching Python; packaging/make_sounds.py writes the default tones), copied once into a
plain directory (a wheel or zip install may have no file path to hand a player) and played by the
platform's own player in a background thread: `winsound` on Windows, `afplay` on macOS,
`paplay`/`pw-play`/`aplay` on Linux. Where there is none, or it fails, or a cue's file is missing
or is not a WAV file, the door stays silent and says so once in the log; a sound can never stall
or crash a scan.
"""
from __future__ import annotations

import io
import logging
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import wave
from pathlib import Path

from checkin_app import paths

log = logging.getLogger(__name__)

CUES = ("admitted", "warning", "refused", "attention")
PROBE_RATE = 22_050  # of the 20 ms of silence `probe` plays


def cue_wav(cue: str) -> bytes:
    """The shipped WAV file for a cue, checked to be one (ValueError when the file is not WAV audio)."""
    if cue not in CUES:
        raise ValueError(f"no door sound called {cue!r}")
    data = paths.resource("sounds", f"{cue}.wav").read_bytes()
    try:
        with wave.open(io.BytesIO(data)) as w:
            w.getnframes()
    except (wave.Error, EOFError) as exc:
        raise ValueError(f"sounds/{cue}.wav is not a WAV file: {exc}") from exc
    return data


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
            out.setframerate(PROBE_RATE)
            out.writeframes(b"\0\0" * (PROBE_RATE // 50))
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
        directory: where the cues' WAV files are copied to be played (default: a temporary dir).
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
        """The WAV file for a cue (copied from the package's resources on first use)."""
        if cue not in self._files:
            self._dir.mkdir(parents=True, exist_ok=True)
            path = self._dir / f"{cue}.wav"
            path.write_bytes(cue_wav(cue))
            self._files[cue] = path
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
