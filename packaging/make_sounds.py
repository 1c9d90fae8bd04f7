"""Write the door sounds (admitted, warning, refused, attention) into checkin_app/resources/sounds/.

The app plays whatever WAV files are there, so a designer can replace them with recorded sounds
(16-bit PCM WAV, mono or stereo, under a second: a cue must end before the next scan). This
script only makes the default tones; run it once when they change: `python packaging/make_sounds.py`.
"""
import math
import struct
import wave
from pathlib import Path

SOUNDS = Path(__file__).resolve().parents[1] / "checkin_app" / "resources" / "sounds"
RATE = 22_050

# (frequency Hz, seconds, waveform) segments; a 0 Hz segment is silence.
CUES: dict[str, list[tuple[float, float, str]]] = {
    "admitted": [(880, 0.08, "sine"), (0, 0.02, "sine"), (1320, 0.14, "sine")],  # rising "ding-ding"
    "warning": [(660, 0.12, "sine"), (0, 0.08, "sine"), (660, 0.12, "sine")],  # two level beeps
    "refused": [(196, 0.45, "square")],  # a low buzz
    # A held guest (issue 17): a rising three-note chime, "look here", unlike any of the others.
    "attention": [(523, 0.09, "sine"), (0, 0.03, "sine"), (659, 0.09, "sine"), (0, 0.03, "sine"), (784, 0.16, "sine")],
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


if __name__ == "__main__":
    SOUNDS.mkdir(parents=True, exist_ok=True)
    for cue in CUES:
        with wave.open(str(SOUNDS / f"{cue}.wav"), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(RATE)
            out.writeframes(render(cue))
    print(f"wrote {', '.join(f'{cue}.wav' for cue in CUES)} into {SOUNDS}")
