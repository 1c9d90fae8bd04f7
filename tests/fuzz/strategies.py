"""Hypothesis strategies shared by the fuzz tests: JSON documents, HTTP header text, hostile numbers."""
from hypothesis import strategies as st

# Header values h11 can send: latin-1 text without CR, LF, NUL or surrounding blanks (it forbids those).
header_text = st.text(st.characters(min_codepoint=32, max_codepoint=255, exclude_characters="\x7f"), max_size=200).map(
    lambda s: s.strip(" \t").encode("latin-1"))

scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2 ** 70), max_value=2 ** 70),
                    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=40))
json_docs = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=5),
                                                          st.dictionaries(st.text(max_size=12), inner, max_size=6)),
                         max_leaves=25)

# Keys the providers' mappers look at, so random objects reach past the first "unknown shape" check.
PROVIDER_KEYS = ["Id", "Barcode", "Event", "EventId", "Status", "InvoiceType", "Tickets", "Buyer", "ChargeMethod",
                 "Product", "SignupDate", "object", "id", "event_id", "barcode", "issued_tickets", "event", "type",
                 "payload", "data", "order", "tickets", "code", "checkin_code"]
shaped_objects = st.dictionaries(st.sampled_from(PROVIDER_KEYS), json_docs, min_size=1, max_size=6)

# Raw bytes that are almost JSON: fragments glued together, with the hostile pieces issue 14 found.
HOSTILE_PIECES = [b"{", b"}", b"[", b"]", b'"', b":", b",", b"\\ud800", b"\\udfff", b"\\u0000", b"9" * 5000,
                  b"[" * 3000, b"\xff", b"\xc3", b"1e999", b"NaN", b"-", b"null", b"\r\n", b'"Barcode"']
almost_json = st.lists(st.one_of(st.sampled_from(HOSTILE_PIECES), st.binary(max_size=8)), max_size=12).map(b"".join)
