"""JSON as the service writes it: orjson, with ``json.dumps(default=str)``'s meaning.

Used for the database's JSON columns and the bus's messages, several times faster than
``json`` on the verdicts, analyses, audit data and live events every turn writes.
"""

from __future__ import annotations

from typing import Any

import orjson

_JSON_OPTIONS = (orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
                 | orjson.OPT_PASSTHROUGH_SUBCLASS)


def json_dumps(value: Any) -> str:
    """``value`` as JSON text. Anything orjson would render its own way (dates, dataclasses,
    Decimals) goes through ``str`` as ``json.dumps(default=str)`` does, so what is stored or
    sent means the same either way."""
    return orjson.dumps(value, default=str, option=_JSON_OPTIONS).decode()


def plain_json(value: Any) -> Any:
    """``value`` as the JSON a column will hold and give back (tuples as lists, dates as text)."""
    return orjson.loads(json_dumps(value))
