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
             # nats, nkeys, cryptography: the venue hub's client, its credentials and sealed rows (sync/hub_*.py).
             {"httpx", "starlette", "uvicorn", "zeroconf", "nats", "nkeys", "cryptography"}),
    "services": ({"domain", "errors", "store", "providers", "services", "scanning", "sync", "webhooks", "log", "secret_store", "paths"}, {"keyring", "httpx"}),
    # The simulated providers stand alone (stdlib HTTP servers): the app's code never shapes what they serve.
    "sandbox": ({"sandbox"}, set()),
    # Composition root for the command line and the window: opens the data dir's store and services.
    "app": (BASE | {"paths", "domain", "store", "services"}, set()),
    # The demo wires the built-in box office to a real sync; demo_terminal is its no-display run.
    "demo": (BASE | {"paths", "domain", "store", "services", "sync", "sandbox", "scanning", "app"}, set()),
    "demo_terminal": (BASE | {"paths", "domain", "store", "services", "sync", "sandbox", "scanning", "app", "demo"}, set()),
    # The command line (checkin_app/cli/) sits on the services: handlers call services, read domain
    # types, and render with segno (the pairing QR on a terminal) and tqdm (progress bars). Never store,
    # providers, sync or webhooks directly: what a handler needs from them is a service function.
    "cli": ({"cli", "services", "errors", "log", "paths", "domain"}, {"segno", "tqdm"}),
    "__main__": ({"cli"}, set()),
    "__init__": (set(), set()),
    # Qt lives here and only here; the GUI reaches data through services (never sqlite3 or httpx).
    "gui": (BASE | {"__init__", "gui", "app", "paths", "domain", "providers", "scanning", "services", "sync", "demo"},
            {"PySide6", "shiboken6", "numpy"}),
}
# Named exceptions: (file under checkin_app/, module imported) -> why. Each must still be needed
# (test_every_named_exception_is_still_used), so the list shrinks as they are moved.
EXCEPTIONS = {
    # The composition root (store + log + check-in service for one data dir) is how every command
    # opens `--data-dir`; it sits beside the CLI at the top, not below the services.
    ("cli/common.py", "checkin_app.app"):
        "open_app: the composition root for --data-dir",
    # `connect` builds its provider choice and options from the provider registry, the same
    # declarative table the GUI's Connections form reads (gui/connections_view.py); it is data, no I/O.
    ("cli/connections.py", "checkin_app.providers.registry"):
        "connect's options come from the one provider registry",
    # `checkin-app` with no command and `demo` open the window: the GUI is their service.
    ("cli/gui.py", "checkin_app.gui.app"): "the gui and demo commands launch the window",
    ("cli/gui.py", "checkin_app.demo_terminal"): "demo without a display runs in the terminal",
    # A badge is drawn and printed with Qt (QtPrintSupport, offscreen from the command line); the
    # kiosk is a window. The ticket and its badge layout come from the services like any command.
    ("cli/floor.py", "checkin_app.gui.badge_print"): "badge prints with QtPrintSupport",
    ("cli/floor.py", "checkin_app.gui.kiosk"): "kiosk opens the self check-in window",
}
NEVER_OUTSIDE_GUI = {"PySide6", "shiboken6"}
NEVER_IN_GUI = {"sqlite3", "httpx", "sqlite_utils"}


def imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] == "checkin_app":
                # `from checkin_app import store` is the store: name what was imported, not its parent.
                for alias in node.names:
                    yield f"{node.module}.{alias.name}"
            else:
                yield node.module


def _within(name: str, module: str) -> bool:
    return name == module or name.startswith(module + ".")


def _excepted(rel: str, name: str) -> bool:
    return any(rel == file and _within(name, module) for file, module in EXCEPTIONS)


def layer_of(path: Path, package: Path = PACKAGE) -> str:
    rel = path.relative_to(package)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def problems_in(path: Path, layer: str, rel: str) -> list[str]:
    """What `path` (`rel` under the package), a module of `layer`, imports against the rules."""
    problems = []
    if layer not in ALLOWED:
        problems.append(f"{rel}: layer {layer!r} has no rule in tests/unit/test_layering.py")
    internal, third_party = ALLOWED.get(layer, (set(), set()))
    for name in imports(path):
        top = name.split(".")[0]
        if top in NEVER_OUTSIDE_GUI and layer != "gui":
            problems.append(f"{rel} imports {name} (Qt only in gui/)")
        elif layer == "gui" and top in NEVER_IN_GUI:
            problems.append(f"{rel} imports {name} (gui reaches data through services)")
        elif top == "checkin_app":
            if _excepted(rel, name):
                continue
            parts = name.split(".")
            target = parts[1] if len(parts) > 1 else "__init__"
            if not (PACKAGE / target).is_dir() and not (PACKAGE / f"{target}.py").is_file():
                target = "__init__"  # a name the package itself exports (`from checkin_app import __version__`)
            if target not in internal and target not in ("__init__", layer):
                problems.append(f"{rel} imports {name} ({layer} may not use {target})")
        elif top not in STDLIB and top not in third_party:
            problems.append(f"{rel} imports {name} (not allowed in {layer})")
    return problems


def violations(package: Path) -> list[str]:
    problems = []
    for path in sorted(package.rglob("*.py")):
        problems += problems_in(path, layer_of(path, package), path.relative_to(package).as_posix())
    return problems


def uncovered_layers(package: Path) -> set[str]:
    return {layer_of(p, package) for p in package.rglob("*.py")} - set(ALLOWED)


def test_layers_import_only_what_they_may():
    assert violations(PACKAGE) == []


def test_every_package_has_a_rule():
    assert uncovered_layers(PACKAGE) == set()


def test_every_named_exception_is_still_used():
    used = {(path.relative_to(PACKAGE).as_posix(), name) for path in PACKAGE.rglob("*.py") for name in imports(path)}
    stale = [(file, module) for file, module in EXCEPTIONS
             if not any(f == file and _within(name, module) for f, name in used)]
    assert stale == [], f"no longer needed: {stale}"


def test_the_checker_reports_a_real_violating_file(tmp_path):
    bad = tmp_path / "rules.py"
    bad.write_text("from PySide6.QtCore import QObject\nimport httpx\nfrom checkin_app import gui\n"
                   "from checkin_app.store import tickets\nimport json\n")
    assert problems_in(bad, "domain", "domain/rules.py") == [
        "domain/rules.py imports PySide6.QtCore (Qt only in gui/)",
        "domain/rules.py imports httpx (not allowed in domain)",
        "domain/rules.py imports checkin_app.gui (domain may not use gui)",
        "domain/rules.py imports checkin_app.store.tickets (domain may not use store)"]
    assert problems_in(bad, "gui", "gui/rules.py") == [
        "gui/rules.py imports httpx (gui reaches data through services)",
        "gui/rules.py imports checkin_app.store.tickets (gui may not use store)"]


def test_the_cli_is_held_to_the_services(tmp_path):
    """A handler reaching into the store or the sync engine is reported; a named exception elsewhere is not."""
    (tmp_path / "cli").mkdir()
    (tmp_path / "cli" / "bad.py").write_text("from checkin_app.store import connections\n"
                                             "import checkin_app.sync.engine\nimport checkin_app.app\n")
    assert violations(tmp_path) == ["cli/bad.py imports checkin_app.store.connections (cli may not use store)",
                                    "cli/bad.py imports checkin_app.sync.engine (cli may not use sync)",
                                    "cli/bad.py imports checkin_app.app (cli may not use app)"]


def test_a_new_package_without_a_rule_is_reported(tmp_path):
    (tmp_path / "domain").mkdir()
    (tmp_path / "domain" / "models.py").write_text("")
    (tmp_path / "plugins").mkdir()
    (tmp_path / "plugins" / "loader.py").write_text("")
    (tmp_path / "tray.py").write_text("")
    assert uncovered_layers(tmp_path) == {"plugins", "tray"}
