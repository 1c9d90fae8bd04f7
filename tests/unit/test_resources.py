"""The style sheet, sounds and icons are files in the package (checkin_app/resources/), a plain wheel
carries them, and what the app loads is what those files say: change a file, and what loads changes."""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from checkin_app.gui import sounds, style
from tests.paths import ROOT

RESOURCES = ROOT / "checkin_app" / "resources"


def test_the_sheet_is_the_qss_file_with_the_shared_colours_filled_in():
    text = (RESOURCES / "style.qss").read_text(encoding="utf-8")
    assert "$accent" in text and "$focus_ring" in text
    sheet = style.style_sheet()
    assert "$" not in sheet
    assert sheet == text.replace("$focus_ring", style.FOCUS_RING).replace("$accent", style.ACCENT)
    assert f"QPushButton:checked {{ background: {style.ACCENT};" in sheet


def test_an_unknown_cue_is_refused_by_name():
    with pytest.raises(ValueError, match="no door sound called"):
        sounds.cue_wav("../../paths.py")


def _build_wheel(out: Path) -> Path:
    # From a copy of the sources: an in-tree build would reuse whatever an earlier build left in
    # build/lib (and so pass with the package-data line deleted). --no-build-isolation: the test
    # environment's setuptools (pyproject's test extra) builds it, with no network; otherwise it is
    # the wheel `pip wheel . --no-deps` makes.
    src = out / "src"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "dist", "tests", "*.egg-info", "__pycache__"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(out)], check=True, capture_output=True, cwd=out)
    (wheel,) = out.glob("checkin_app-*.whl")
    return wheel


# Run from a plain install of the wheel (no source checkout on the path): what the app loads.
LOAD = """
import hashlib, json, sys
from checkin_app import paths
from checkin_app.gui import sounds, style
out = {"from": paths.__file__, "sheet": style.style_sheet(),
       "icon": hashlib.sha256(paths.resource("icons", "icon.png").read_bytes()).hexdigest()}
for cue in sounds.CUES:
    try:
        out[cue] = hashlib.sha256(sounds.cue_wav(cue)).hexdigest()
    except ValueError as exc:
        out[cue] = f"refused: {exc}"
print(json.dumps(out))
"""


def _load(target: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(PYTHONPATH=str(target), QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, "-c", LOAD], env=env, cwd=target, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.slow
def test_a_wheel_carries_every_resource_and_an_install_loads_them_as_changed(tmp_path):
    wheel = _build_wheel(tmp_path)
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {p.relative_to(ROOT).as_posix() for p in RESOURCES.rglob("*") if p.is_file()}
    assert shipped and shipped <= names, f"not in the wheel: {sorted(shipped - names)}"

    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)
    loaded = _load(target)
    assert Path(loaded["from"]).is_relative_to(target)  # the install, not the checkout
    assert loaded["sheet"] == style.style_sheet()
    assert loaded["icon"] == _sha(RESOURCES / "icons" / "icon.png")
    assert all(loaded[cue] == _sha(RESOURCES / "sounds" / f"{cue}.wav") for cue in sounds.CUES)

    # A designer's edits: a new rule using a shared colour, a different refused sound, a broken warning.
    res = target / "checkin_app" / "resources"
    with (res / "style.qss").open("a", encoding="utf-8") as f:
        f.write("QLabel#designerTest { color: $accent; }\n")
    (res / "sounds" / "refused.wav").write_bytes((res / "sounds" / "admitted.wav").read_bytes())
    (res / "sounds" / "warning.wav").write_text("not a sound")
    changed = _load(target)
    assert changed["sheet"].endswith(f"QLabel#designerTest {{ color: {style.ACCENT}; }}\n")
    assert changed["refused"] == loaded["admitted"]
    assert changed["warning"].startswith("refused: sounds/warning.wav is not a WAV file")

    with (res / "style.qss").open("a", encoding="utf-8") as f:
        f.write("QLabel { color: $acent; }\n")  # a typo'd placeholder fails loudly, not as an unstyled window
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([sys.executable, "-c", "from checkin_app.gui import style"],
                          env={**env, "PYTHONPATH": str(target)}, cwd=target, capture_output=True, text=True)
    assert done.returncode != 0 and "KeyError: 'acent'" in done.stderr
