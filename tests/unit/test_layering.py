"""Each layer imports only the layers below it (DESIGN.md, "Layout and dependency direction")."""
import ast
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "checkin_app"
STDLIB = set(sys.stdlib_module_names)

# For each layer: the checkin_app modules and third-party packages it may import.
ALLOWED = {
    "domain": ({"domain", "errors"}, set()),
    "store": ({"domain", "errors", "store"}, {"sqlite_utils"}),
    # sqlite_utils: `rows_from_file` reads the delimited (CSV, TSV) files `import` takes (providers/payloads.py).
    "providers": ({"domain", "errors", "providers", "log"}, {"httpx", "sqlite_utils"}),
    # segno and barcode (python-barcode) render tickets for scanning.synth (tests, bench, demo video).
    # cv2_enumerate_cameras lists cameras by name on Windows and macOS (scanning.cameras).
    "scanning": ({"domain", "errors", "scanning"}, {"cv2", "numpy", "zxingcpp", "pyzbar", "segno", "barcode", "cv2_enumerate_cameras"}),
    "webhooks": ({"domain", "errors", "store", "providers", "webhooks", "log", "secrets"}, {"starlette", "uvicorn", "httpx"}),
    # DESIGN.md puts peer (multi-door) replication in sync/: a door server and mDNS discovery.
    "sync": ({"domain", "errors", "store", "providers", "sync", "log", "secrets", "webhooks"},
             {"httpx", "starlette", "uvicorn", "zeroconf"}),
    "services": ({"domain", "errors", "store", "providers", "services", "scanning", "sync", "webhooks", "log", "secrets", "paths"}, {"keyring", "httpx"}),
}
NEVER_OUTSIDE_GUI = {"PySide6", "shiboken6"}


def imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def layer_of(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def test_layers_import_only_what_they_may():
    problems = []
    for path in PACKAGE.rglob("*.py"):
        layer = layer_of(path)
        for name in imports(path):
            top = name.split(".")[0]
            if top in NEVER_OUTSIDE_GUI and layer not in ("gui", "app"):
                problems.append(f"{path.relative_to(PACKAGE)} imports {name} (Qt only in gui/)")
            if layer == "gui" and top in {"sqlite3", "httpx", "sqlite_utils"}:
                problems.append(f"{path.relative_to(PACKAGE)} imports {name} (gui reaches data through services)")
            if layer not in ALLOWED:
                continue
            internal, third_party = ALLOWED[layer]
            if top == "checkin_app":
                parts = name.split(".")
                target = parts[1] if len(parts) > 1 else "__init__"
                if target not in internal and target != "__init__":
                    problems.append(f"{path.relative_to(PACKAGE)} imports {name} ({layer} may not use {target})")
            elif top not in STDLIB and top not in third_party:
                problems.append(f"{path.relative_to(PACKAGE)} imports {name} (not allowed in {layer})")
    assert problems == []


def test_the_checker_sees_a_violation(tmp_path):
    bad = tmp_path / "x.py"
    bad.write_text("from PySide6.QtCore import QObject\nimport httpx\n")
    assert list(imports(bad)) == ["PySide6.QtCore", "httpx"]
