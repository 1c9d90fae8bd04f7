"""The project's conventions as checks (qutebrowser's misc_checks habit).

Each checker is a function over one file, so the last tests here can feed it a real violating file.
Allow-lists name today's offenders with their counts; a file may only shrink its count, a new
offender fails, and an entry that is no longer needed fails too until it is removed (so the lists
only ever get shorter).
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.paths import ROOT

PACKAGE = ROOT / "checkin_app"

# -- no SQL outside store/ ------------------------------------------------------------------------

# SQL in a string literal: an upper-case statement shape, not just a keyword ("Select the event"
# is prose; "SELECT code FROM tickets" is SQL), or a WHERE clause built up in pieces.
SQL = re.compile(
    r"\bSELECT\b[\s\S]+?\bFROM\b|\bINSERT\s+(?:OR\s+[A-Z]+\s+)?INTO\b|\bUPDATE\s+\w+\s+SET\b|\bDELETE\s+FROM\b"
    r"|\b(?:CREATE|DROP|ALTER)\s+(?:TEMP\s+|TEMPORARY\s+|UNIQUE\s+|VIRTUAL\s+)?(?:TABLE|INDEX|VIEW|TRIGGER)\b"
    r"|\bPRAGMA\s+\w+|^\s*(?:BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b"
    r"|\bWHERE\s+[\w.]+\s*(?:=|<|>|!=|\bIN\b|\bIS\b|\bLIKE\b)|\bORDER\s+BY\s+[\w.]+|\bJOIN\s+\w+\s+(?:\w+\s+)?ON\b")
# Calls that run SQL, whatever builds the text.
SQL_CALLS = {"execute", "executemany", "executescript"}

# Offenders allowed for now, per file with their count (a file may only go down). Empty since
# i16-store moved the last statements (72 findings in 14 files of services/ and sync/ on
# 2026-11-30) into store/: any SQL outside store/ now fails.
SQL_ALLOWED: dict[str, int] = {}


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def _strings(tree: ast.AST):
    """(line, text) of every string literal that is not a docstring; an f-string's literal parts joined."""
    skip = _docstrings(tree)
    inside_fstring = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            parts = [v for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)]
            inside_fstring.update(id(p) for p in parts)
            yield node.lineno, " ? ".join(p.value for p in parts)
    for node in ast.walk(tree):
        if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                and id(node) not in skip and id(node) not in inside_fstring):
            yield node.lineno, node.value


def _by_line(finding: str) -> tuple[int, str]:
    line, _, what = finding.partition(":")
    return int(line), what


def sql_in(path: Path) -> list[str]:
    """Where `path` runs or spells SQL: `line: what`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in SQL_CALLS:
            found.append(f"{node.lineno}: .{node.func.attr}() call")
    for line, text in _strings(tree):
        m = SQL.search(text)
        if m:
            found.append(f"{line}: SQL text {m.group(0)[:40]!r}")
    return sorted(set(found), key=_by_line)


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _over_allowance(found: dict[str, list[str]], allowed: dict[str, int]) -> tuple[list[str], list[str]]:
    """(new offences, allow-list entries to lower or remove)."""
    new = [f"{f}: {len(found[f])} found, {allowed.get(f, 0)} allowed: {found[f]}"
           for f in sorted(found) if len(found[f]) > allowed.get(f, 0)]
    stale = [f"{f}: allowed {n}, now {len(found.get(f, []))}: lower or remove the entry"
             for f, n in sorted(allowed.items()) if len(found.get(f, [])) < n]
    return new, stale


def _package_files(outside: tuple[str, ...]):
    for path in sorted(PACKAGE.rglob("*.py")):
        if not _rel(path).startswith(outside):
            yield path


def test_no_sql_outside_store():
    found = {_rel(p): f for p in _package_files(("checkin_app/store/",)) if (f := sql_in(p))}
    new, stale = _over_allowance(found, SQL_ALLOWED)
    assert new == [], "SQL belongs in checkin_app/store/ (docs/architecture.md)"
    assert stale == []


# -- no colour literals outside gui/style.py --------------------------------------------------------

# A colour spelled in code: "#rrggbb" (or #rrggbbaa, #rgb) in a string, "rgb(" / "rgba(" in a style
# sheet, or QColor(r, g, b[, a]) from numbers. The palette lives in gui/style.py (and resource .qss
# files), so a door's look changes in one place.
COLOUR = re.compile(r"(?<![\w&])#(?:[0-9a-fA-F]{8}|[0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b|\brgba?\(")
COLOUR_HOME = ("checkin_app/gui/style.py",)
# Issue 16 §4: emptied 2026-11-30, every colour now lives in gui/style.py. Keep it empty.
COLOUR_ALLOWED: dict[str, int] = {}


def colours_in(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = [f"{line}: {m.group(0)!r}" for line, text in _strings(tree) for m in COLOUR.finditer(text)]
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "QColor"
                and len(node.args) >= 3 and all(isinstance(a, ast.Constant) for a in node.args)):
            found.append(f"{node.lineno}: QColor{tuple(a.value for a in node.args)}")
    return sorted(found, key=_by_line)


def test_no_colour_literals_outside_the_style_module():
    found = {_rel(p): f for p in _package_files(COLOUR_HOME) if (f := colours_in(p))}
    new, stale = _over_allowance(found, COLOUR_ALLOWED)
    assert new == [], "colours belong in checkin_app/gui/style.py"
    assert stale == []


# -- tests set environment variables through monkeypatch --------------------------------------------

def environ_writes_in(path: Path) -> list[str]:
    """Writes to os.environ that outlive the test: `os.environ[k] = v`, `del os.environ[k]`, and
    os.environ.update / setdefault / pop / clear, or os.putenv. monkeypatch.setenv undoes itself."""
    tree = ast.parse(path.read_text(encoding="utf-8"))

    def is_environ(node: ast.AST) -> bool:
        return (isinstance(node, ast.Attribute) and node.attr == "environ") or (
            isinstance(node, ast.Name) and node.id == "environ")

    found = []
    for node in ast.walk(tree):
        targets = (node.targets if isinstance(node, (ast.Assign, ast.Delete))
                   else [node.target] if isinstance(node, ast.AugAssign) else [])
        for t in targets:
            if isinstance(t, ast.Subscript) and is_environ(t.value):
                found.append(f"{node.lineno}: os.environ[...] {'deleted' if isinstance(node, ast.Delete) else 'set'}")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in {"update", "setdefault", "pop", "clear", "popitem"} and is_environ(node.func.value):
                found.append(f"{node.lineno}: os.environ.{node.func.attr}()")
            elif node.func.attr in {"putenv", "unsetenv"}:
                found.append(f"{node.lineno}: os.{node.func.attr}()")
    return sorted(found, key=_by_line)


def test_tests_set_the_environment_through_monkeypatch():
    # conftest.py files may: they set the process up (offscreen Qt, no real keyring) before any
    # test or fixture exists, which monkeypatch cannot do.
    found = {_rel(p): f for p in sorted((ROOT / "tests").rglob("*.py"))
             if p.name != "conftest.py" and "fixtures" not in p.parts and (f := environ_writes_in(p))}
    assert found == {}, "use monkeypatch.setenv / delenv (or pytest.MonkeyPatch.context() in a wider fixture)"


# -- no references to files that do not exist -------------------------------------------------------

# A repository path in a document or in code (comments, docstrings, messages), in backticks, a
# Markdown link or bare: it starts at a top-level directory of the repository.
PATH_REF = re.compile(r"(?<![\w/.-])((?:\.ci|checkin_app|docs|packaging|resources|scripts|tests)/[\w./*<>-]*\w)")
# Today's dangling references, per file (the lead empties this at merge).
MISSING_ALLOWED = {
    # Paths inside the package written from checkin_app/ (setuptools' package-data globs; the
    # icon test's docstring): they exist, under checkin_app/.
    "pyproject.toml": 2,
    "tests/gui/test_app_icon.py": 1,
}


def _exists(ref: str, root: Path) -> bool:
    ref = re.sub(r"(::\w+|:\d+(-\d+)?|#[\w-]+)$", "", ref)  # test ids, line numbers, anchors
    if "<" in ref or "{" in ref or "..." in ref:  # a pattern the text explains (`tests/fixtures/<provider>/`)
        return True
    if any(ch in ref for ch in "*?["):
        return any(root.glob(ref))
    module = re.match(r"(.+)\.\w+$", ref)  # `tests/simulators/ticketevolution.expected_signature`
    return (root / ref).exists() or bool(module and (root / f"{module.group(1)}.py").exists())


def missing_files_in(path: Path, root: Path = ROOT) -> list[str]:
    """Named paths that exist neither from the repository root nor, for a file inside a package,
    from that package (checkin_app's code names `resources/style.qss` for checkin_app/resources/)."""
    text = path.read_text(encoding="utf-8")
    rel = path.relative_to(root).parts
    bases = [root] + ([root / rel[0]] if len(rel) > 1 else [])
    return [f"{text.count(chr(10), 0, m.start()) + 1}: {m.group(1)}"
            for m in PATH_REF.finditer(text) if not any(_exists(m.group(1), base) for base in bases)]


def _repo_texts():
    for pattern in ("*.md", "pyproject.toml", "checkin_app/**/*.py", "tests/**/*.py", "scripts/**/*", "packaging/**/*", "docs/**/*.md",
                    ".ci/*"):
        for path in sorted(ROOT.glob(pattern)):
            skip = ("fixtures" in path.relative_to(ROOT).parts  # recorded data
                    or path == Path(__file__).resolve()  # its checker tests name missing files on purpose
                    or path.suffix in {".png", ".ico", ".icns", ".jpg", ".gz", ".mp4", ".pyc"})
            if path.is_file() and not skip:
                yield path


def test_named_files_exist():
    found = {}
    for path in dict.fromkeys(_repo_texts()):
        try:
            missing = missing_files_in(path)
        except UnicodeDecodeError:
            continue
        if missing:
            found[_rel(path)] = missing
    new, stale = _over_allowance(found, MISSING_ALLOWED)
    assert new == [], "a named file does not exist"
    assert stale == []


# -- each checker reports a real violating file ------------------------------------------------------

def test_the_sql_checker_reports_a_violating_file(tmp_path):
    bad = tmp_path / "report.py"
    bad.write_text('"""Select the events (SELECT in a docstring is prose)."""\n'
                   "def admitted(conn, ids):\n"
                   "    where = f\"WHERE event_id IN ({','.join('?' * len(ids))})\"\n"
                   "    label = 'Select an event to start'\n"
                   "    return conn.execute(\"SELECT COUNT(*) FROM tickets \" + where, ids)\n"
                   "conn.executescript(sql_text)\n")
    assert sql_in(bad) == ["3: SQL text 'WHERE event_id IN'", "5: .execute() call", "5: SQL text 'SELECT COUNT(*) FROM'",
                           "6: .executescript() call"]
    found = {"checkin_app/services/report.py": sql_in(bad), "checkin_app/services/stats.py": ["1: x"]}
    new, stale = _over_allowance(found, {"checkin_app/services/stats.py": 3})
    assert [n.split(":")[0] for n in new] == ["checkin_app/services/report.py"]
    assert stale == ["checkin_app/services/stats.py: allowed 3, now 1: lower or remove the entry"]


def test_the_colour_checker_reports_a_violating_file(tmp_path):
    bad = tmp_path / "badge.py"
    bad.write_text("label.setStyleSheet('color: #b3261e; background: rgba(0, 0, 0, 0.5)')\n"
                   "pen = QColor(40, 44, 52)\n"
                   "issue = 'see #123 and &#1234;'\n"
                   "ok = QColor(style.TONES['fg'])\n")
    assert colours_in(bad) == ["1: '#b3261e'", "1: 'rgba('", "2: QColor(40, 44, 52)", "3: '#123'"]


def test_the_environment_checker_reports_a_violating_file(tmp_path):
    bad = tmp_path / "test_sync.py"
    bad.write_text("import os\n"
                   "def test_sync(monkeypatch):\n"
                   "    os.environ['TT_KEY'] = 'sk_1'\n"
                   "    os.environ.update(A='1')\n"
                   "    del os.environ['B']\n"
                   "    env = {**os.environ, 'C': '1'}\n"
                   "    env['D'] = '2'\n"
                   "    monkeypatch.setenv('E', '3')\n")
    assert environ_writes_in(bad) == ["3: os.environ[...] set", "4: os.environ.update()", "5: os.environ[...] deleted"]


def test_the_file_reference_checker_reports_a_violating_file(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "providers.md").write_text("")
    (tmp_path / "tests" / "fixtures" / "real").mkdir(parents=True)
    (tmp_path / "tests" / "fixtures" / "real" / "a.json").write_text("{}")
    (tmp_path / "tests" / "simulators").mkdir()
    (tmp_path / "tests" / "simulators" / "box.py").write_text("")
    (tmp_path / "pkg" / "resources").mkdir(parents=True)
    (tmp_path / "pkg" / "resources" / "style.qss").write_text("")
    bad = tmp_path / "notes.py"
    bad.write_text("# Facts in `docs/providers.md`, payloads in tests/fixtures/real/*.json (`tests/fixtures/<provider>/`),\n"
                   "# the design in docs/DESIGN.md and [the bench](tests/bench/scan_bench.py).\n"
                   "# `tests/fixtures/real/a.json:3` and `docs/providers.md#ticketor`, docs/providers.sections\n"
                   "# the signature in `tests/simulators/box.expected_signature`\n")
    assert missing_files_in(bad, tmp_path) == ["2: docs/DESIGN.md", "2: tests/bench/scan_bench.py",
                                               "3: docs/providers.sections"]
    inside = tmp_path / "pkg" / "style.py"
    inside.write_text("# The sheet is resources/style.qss; the icon resources/icon.png.\n")
    assert missing_files_in(inside, tmp_path) == ["1: resources/icon.png"]
