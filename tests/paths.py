"""Where test data lives: the shared folder beside the repo and the copied reference examples."""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
REAL_TT = SHARED / "fixtures" / "real" / "tickettailor"
REFERENCE = ROOT / "tests" / "fixtures" / "reference"
