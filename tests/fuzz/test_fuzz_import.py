"""`import` with any file content: a report or a PayloadError (the CLI's one clear line), never
another exception (the CLI's "internal error (a bug)"). Runs the service in-process on a real store."""
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checkin_app.errors import PayloadError
from checkin_app.services.importer import import_file
from checkin_app.store import Store
from tests.fuzz.strategies import almost_json, json_docs, shaped_objects

FUZZ = settings(max_examples=200, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

csv_cells = st.text(st.characters(min_codepoint=1, max_codepoint=0x10FFFF, exclude_categories=["Cs"]), max_size=12)
csv_files = st.builds(lambda header, rows: "\n".join([",".join(header), *(",".join(r) for r in rows)]),
                      st.lists(st.sampled_from(["code", "event", "event_id", "name", "status", "provider", "remote_id",
                                                "email", "x"]), min_size=1, max_size=6),
                      st.lists(st.lists(csv_cells, max_size=6), max_size=6))


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    s = Store(tmp_path_factory.mktemp("fuzz-import"))
    yield s
    s.close()


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz-files")


def import_refused_or_done(store, path) -> None:
    try:
        report = import_file(store, path)
    except PayloadError as exc:
        assert str(exc)
        return
    assert report.tickets >= 0 and report.events >= 0


@FUZZ
@given(content=st.one_of(almost_json, st.binary(max_size=200)),
       suffix=st.sampled_from([".json", ".ndjson", ".csv", ".txt"]))
def test_any_bytes_in_any_file(store, folder, content, suffix):
    path = folder / f"fuzz{suffix}"
    path.write_bytes(content)
    import_refused_or_done(store, path)


@FUZZ
@given(docs=st.lists(st.one_of(shaped_objects, json_docs), min_size=1, max_size=4), ndjson=st.booleans())
def test_any_json_documents(store, folder, docs, ndjson):
    path = folder / "fuzz.json"
    path.write_text("\n".join(json.dumps(d) for d in docs) if ndjson else json.dumps(docs))
    import_refused_or_done(store, path)


@FUZZ
@given(text=csv_files)
def test_any_csv(store, folder, text):
    path = folder / "fuzz.csv"
    path.write_text(text, encoding="utf-8")
    import_refused_or_done(store, path)
