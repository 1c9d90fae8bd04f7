"""Each layer imports only the layers below it (docs/architecture.md, "Layout and dependency direction").

Every top-level module and package of checkin_app has a rule here: a new one fails
`test_every_package_has_a_rule` until it is given one.
"""
import ast
import sys
from pathlib import Path

from tests.paths import ROOT

PACKAGE = ROOT / "checkin_app"
STDLIB = set(sys.stdlib_module_names)

# Modules every layer may use: the user-error types and the log (which scrubs secrets).
BASE = {"errors", "log"}

# For each layer (a package, or a top-level module by its stem): the checkin_app modules and
# third-party packages it may import, bottom to top.
ALLOWED = {
    "errors": (set(), set()),
    "log": ({"errors"}, set()),
    "paths": ({"errors"}, {"platformdirs"}),
    "secret_store": (BASE, {"keyring"}),
    "domain": ({"domain", "errors"}, set()),
    "store": ({"domain", "errors", "store"}, {"sqlite_utils"}),
    # sqlite_utils: `rows_from_file` reads the delimited (CSV, TSV) files `import` takes (providers/payloads.py).
    "providers": ({"domain", "errors", "providers", "log"}, {"httpx", "sqlite_utils"}),
    # segno and barcode (python-barcode) render tickets for scanning.synth (tests, bench, demo video).
    # cv2_enumerate_cameras lists cameras by name on Windows and macOS (scanning.cameras).
    "scanning": ({"domain", "errors", "scanning"}, {"cv2", "numpy", "zxingcpp", "pyzbar", "segno", "barcode", "cv2_enumerate_cameras"}),
    "webhooks": ({"domain", "errors", "store", "providers", "webhooks", "log", "secret_store"}, {"starlette", "uvicorn", "httpx"}),
    # docs/architecture.md puts peer (multi-door) replication in sync/: a door server and mDNS discovery.
    "sync": ({"domain", "errors", "store", "providers", "sync", "log", "secret_store", "webhooks"},
             {"httpx", "starlette", "uvicorn", "zeroconf"}),
    "services": ({"domain", "errors", "store", "providers", "services", "scanning", "sync", "webhooks", "log", "secret_store", "paths"}, {"keyring", "httpx"}),
    # The simulated providers stand alone (stdlib HTTP servers): the app's code never shapes what they serve.
    "sandbox": ({"sandbox"}, set()),
    # Composition root for the command line and the window: opens the data dir's store and services.
    "app": (BASE | {"paths", "domain", "store", "services"}, set()),
    # The demo wires the built-in box office to a real sync; demo_terminal is its no-display run.
    "demo": (BASE | {"paths", "domain", "store", "services", "sync", "sandbox", "scanning", "app"}, set()),
    "demo_terminal": (BASE | {"paths", "domain", "store", "services", "sync", "sandbox", "scanning", "app", "demo"}, set()),
    # The top: the command line parses and prints; the window is imported only when asked for.
    "cli": (BASE | {"__init__", "cli", "commands", "app", "paths", "domain", "store", "providers", "services",
                    "scanning", "sync", "webhooks", "sandbox", "demo", "demo_terminal", "gui"}, {"segno"}),
    "commands": (BASE | {"__init__", "cli", "commands", "app", "paths", "domain", "store", "providers", "services",
                         "scanning", "sync", "webhooks", "sandbox", "demo", "demo_terminal", "gui"}, {"segno"}),
    "__main__": ({"cli"}, set()),
    "__init__": (set(), set()),
    # Qt lives here and only here; the GUI reaches data through services (never sqlite3 or httpx).
    "gui": (BASE | {"__init__", "gui", "app", "paths", "domain", "providers", "scanning", "services", "sync", "demo"},
            {"PySide6", "shiboken6", "numpy"}),
}
NEVER_OUTSIDE_GUI = {"PySide6", "shiboken6"}
NEVER_IN_GUI = {"sqlite3", "httpx", "sqlite_utils"}


def imports(path: Path):
    """Every absolute import in the file, `from checkin_app import x` as `checkin_app.x`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "checkin_app":
                for alias in node.names:  # a dunder (__version__) is a name in checkin_app/__init__.py
                    yield "checkin_app" if alias.name.startswith("__") else f"checkin_app.{alias.name}"
            else:
                yield node.module


def layer_of(path: Path, package: Path = PACKAGE) -> str:
    rel = path.relative_to(package)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def problems_in(path: Path, layer: str) -> list[str]:
    """What `path`, a module of `layer`, imports against the rules."""
    problems = []
    internal, third_party = ALLOWED.get(layer, (set(), set()))
    if layer not in ALLOWED:
        problems.append(f"{path.name}: layer {layer!r} has no rule in tests/unit/test_layering.py")
    for name in imports(path):
        top = name.split(".")[0]
        if top in NEVER_OUTSIDE_GUI and layer != "gui":
            problems.append(f"{path.name} imports {name} (Qt only in gui/)")
        elif layer == "gui" and top in NEVER_IN_GUI:
            problems.append(f"{path.name} imports {name} (gui reaches data through services)")
        elif top == "checkin_app":
            parts = name.split(".")
            target = parts[1] if len(parts) > 1 else "__init__"
            if target not in internal and target != layer:
                problems.append(f"{path.name} imports {name} ({layer} may not use {target})")
        elif top not in STDLIB and top not in third_party and top not in NEVER_OUTSIDE_GUI:
            problems.append(f"{path.name} imports {name} (not allowed in {layer})")
    return problems


def uncovered_layers(package: Path) -> set[str]:
    return {layer_of(p, package) for p in package.rglob("*.py")} - set(ALLOWED)


def test_layers_import_only_what_they_may():
    problems = []
    for path in PACKAGE.rglob("*.py"):
        problems += [f"{path.relative_to(PACKAGE).parent}/{p}" for p in problems_in(path, layer_of(path))]
    assert problems == []


def test_every_package_has_a_rule():
    assert uncovered_layers(PACKAGE) == set()


def test_the_checker_reports_a_real_violating_file(tmp_path):
    bad = tmp_path / "rules.py"
    bad.write_text("from PySide6.QtCore import QObject\nimport httpx\nfrom checkin_app import gui\n"
                   "from checkin_app.store import tickets\nimport json\n")
    found = problems_in(bad, "domain")
    assert found == ["rules.py imports PySide6.QtCore (Qt only in gui/)",
                     "rules.py imports httpx (not allowed in domain)",
                     "rules.py imports checkin_app.gui (domain may not use gui)",
                     "rules.py imports checkin_app.store (domain may not use store)"]
    assert problems_in(bad, "gui") == ["rules.py imports httpx (gui reaches data through services)",
                                       "rules.py imports checkin_app.store (gui may not use store)"]


def test_a_new_package_without_a_rule_is_reported(tmp_path):
    (tmp_path / "domain").mkdir()
    (tmp_path / "domain" / "models.py").write_text("")
    (tmp_path / "plugins").mkdir()
    (tmp_path / "plugins" / "loader.py").write_text("")
    (tmp_path / "tray.py").write_text("")
    assert uncovered_layers(tmp_path) == {"plugins", "tray"}
