"""JSON text from outside (a webhook body, a saved file, a relay page) parsed with every failure a PayloadError.

`json.loads` has three failures besides malformed text, each raised as something a caller does not
expect, and each reachable by any sender: nesting deeper than the interpreter's recursion limit
(`[[[[...` 100,000 deep: RecursionError), an integer longer than Python's int/str conversion limit
(4,300 digits: ValueError), and `\\ud800`-style escapes that decode to a lone UTF-16 surrogate, a
string SQLite (and any UTF-8 encoder) refuses later, far from the input. RFC 7493 (I-JSON) forbids
such escapes, so they are refused here with the rest.
"""
from __future__ import annotations

import json
import re
import sys
from typing import Any

from checkin_app.errors import PayloadError

# A lone surrogate can only come from a \uD800-\uDFFF escape (a UTF-8 decoder rejects encoded ones),
# so documents without one skip the walk.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def loads(text: str | bytes) -> Any:
    """`json.loads(text)`.

    Raises:
        json.JSONDecodeError: malformed JSON (callers word it with a file name or line).
        PayloadError: nested too deep, an over-long number, or a lone surrogate escape.
    """
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        raise
    except RecursionError:
        raise PayloadError("the JSON is nested too deeply to read") from None
    except ValueError:  # int/str conversion limit: "Exceeds the limit (4300 digits) ..."
        raise PayloadError(f"the JSON has a number with more than {sys.get_int_max_str_digits()} digits") from None
    sample = text if isinstance(text, str) else text.decode("utf-8", "replace")
    if _SURROGATE_ESCAPE.search(sample) and _has_lone_surrogate(doc):
        raise PayloadError("the JSON has a \\uD800-\\uDFFF escape that is not half of a pair (not text; RFC 7493)")
    return doc


def _has_lone_surrogate(doc: Any) -> bool:
    stack = [doc]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False
