"""The door sounds are distinct, well-formed WAV files, and a missing player never raises."""
import wave

from checkin_app.gui.sounds import CUES, Sounds
from tests.paths import ROOT


def test_three_distinct_short_cues(tmp_path):
    """The cues played are the shipped files (checkin_app/resources/sounds/), distinct and short."""
    sounds = Sounds(enabled=False, directory=tmp_path)
    frames = {}
    for cue in CUES:
        played = sounds.file(cue)
        assert played.read_bytes() == (ROOT / "checkin_app" / "resources" / "sounds" / f"{cue}.wav").read_bytes()
        with wave.open(str(played)) as w:
            seconds = w.getnframes() / w.getframerate()
            assert w.getnchannels() == 1 and w.getsampwidth() == 2 and 0.2 <= seconds <= 0.6
            frames[cue] = w.readframes(w.getnframes())
    assert len(set(frames.values())) == len(CUES) == 4  # admitted, warning, refused, attention


def test_playing_with_no_audio_player_is_silent_not_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no paplay / pw-play / aplay to be found
    sounds = Sounds(enabled=True, directory=tmp_path / "cues")
    for cue in ("admitted", "warning", "refused"):
        sounds.play(cue)
    sounds.close()
    assert sounds.last_cue == "refused" and sounds._warned
