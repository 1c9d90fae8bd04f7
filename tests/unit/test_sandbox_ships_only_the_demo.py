"""Issue 16 §3: the sandbox package holds only what the demo ships (the Ticket Tailor box office
and what it needs); test-only simulators live under tests/simulators/ and the app never imports tests."""
import ast

from tests.paths import ROOT

PACKAGE = ROOT / "checkin_app"
SANDBOX = PACKAGE / "sandbox"


def imported_modules(path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def module_path(name: str):
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py") if path.with_suffix(".py").exists() else None


def test_every_sandbox_module_is_reached_from_the_demo_or_the_sandbox_command():
    roots = ["checkin_app.demo", "checkin_app.sandbox.__main__"]
    seen, todo = set(), list(roots)
    while todo:
        name = todo.pop()
        path = module_path(name)
        if name in seen or path is None:
            continue
        seen.add(name)
        todo.extend(n for n in imported_modules(path) if n.startswith("checkin_app.sandbox"))
    shipped = {f"checkin_app.sandbox.{p.stem}" for p in SANDBOX.glob("*.py") if p.stem != "__init__"}
    assert shipped - seen == set(), "sandbox modules the demo never loads: move them under tests/simulators/"


def test_the_app_never_imports_the_tests():
    offenders = [str(p.relative_to(ROOT)) for p in PACKAGE.rglob("*.py")
                 if any(n == "tests" or n.startswith("tests.") for n in imported_modules(p))]
    assert offenders == []
