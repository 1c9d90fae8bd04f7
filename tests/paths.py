"""Where test data lives, all inside the repository (a fresh clone needs nothing beside it)."""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
#: The providers' documents and provider-notes.md, copied in (tests/fixtures/provider-docs/README.md).
PROVIDER_DOCS = FIXTURES / "provider-docs"
#: Recorded real payloads (tests/fixtures/real/README.md says where each came from).
REAL = FIXTURES / "real"
REAL_TT = REAL / "tickettailor"
#: Real camera photos of barcodes with expected texts (tests/fixtures/real-photos/README.md).
REAL_PHOTOS = FIXTURES / "real-photos"
#: JSON examples cut out of the providers' documents.
REFERENCE = FIXTURES / "reference"
