"""SenML (RFC 8428) JSON packs -> resolved records. Pure: no Django, no database.

A pack is a JSON array of records. Base fields (``bn`` name, ``bt`` time, ``bu`` unit, ``bv``
value, ``bs`` sum, ``bver`` version) apply to their record and every later one until the next
record that sets the same base field (§4.1). Resolution (§4.6): name = bn + n, time = bt + t,
value = bv + v, sum = bs + s, unit = u or bu. A resolved time below 2**28 is relative to "now"
(§4.5.3: t = -60 is a minute ago; no time at all is now). Names use ``A-Z a-z 0-9 - : . / _`` and
start with a letter or digit (§4.5.1). Labels ending in ``_`` must be understood (§4.4): we
understand none, so such a pack is refused. Other unknown labels are ignored (§4.4).

CityOps reads the *metric* of a record as the last ``:`` or ``/`` segment of its resolved name
(``bn="urn:dev:cityops:MH-0001:", n="tilt"`` -> ``tilt``; plain ``n="tilt"`` -> ``tilt``); a record
without its own ``n`` whose unit is ``lat``/``lon`` is that coordinate (the RFC's GPS example).
"""

from __future__ import annotations

import json
import math
import re
from typing import NamedTuple

RELATIVE_TIME_LIMIT = 2**28  # §4.5.3: smaller resolved times are relative to now
# Resolved times a reading can have: from the RFC's own boundary (2**28 s, 1978-07-04; below it a
# time is relative) to 2100-01-01 UTC. Outside them a time is a device's bug (bt 1e20, a year
# 31690708, now - 1e12) and is refused, never stored or crashed on.
EARLIEST_TIME = float(RELATIVE_TIME_LIMIT)
LATEST_TIME = 4_102_444_800.0
SUPPORTED_VERSION = 10  # §4.4 bver: the default and what RFC 8428 defines
MAX_RECORDS = 1000  # one pack; a device flushing a backlog sends several
MAX_STRING = 200  # vs / vd length kept (Reading.value_str)
MAX_UNIT = 16  # Reading.unit; the longest SenML unit is far shorter
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-:./_]*$")

_BASE_LABELS = {"bn": str, "bu": str}
_BASE_NUMBERS = ("bt", "bv", "bs", "bver")
_VALUE_LABELS = ("v", "vs", "vb", "vd")
GEO_UNITS = frozenset({"lat", "lon"})


class SenMLError(ValueError):
    """A pack we refuse, with the 1-based record number (0 = the pack itself) and the reason."""

    def __init__(self, reason: str, *, record: int = 0):
        self.reason = reason
        self.record = record
        super().__init__(f"record {record}: {reason}" if record else reason)

    def __reduce__(self):  # pickled from the MQTT network process (iot.ingest.network)
        return _senml_error, (self.reason, self.record)


def _senml_error(reason: str, record: int) -> SenMLError:
    return SenMLError(reason, record=record)


class Record(NamedTuple):
    """A resolved record; exactly one of value / value_str / value_bool / value_data, or a sum.

    A NamedTuple, not a dataclass: built for every reading, and pickled from the MQTT network
    process to the writer (iot.ingest.network), it costs a third to a fifth as much."""

    name: str
    time: float  # Unix seconds, absolute
    unit: str = ""
    value: float | None = None
    value_str: str | None = None
    value_bool: bool | None = None
    value_data: str | None = None
    sum: float | None = None
    named: bool = True  # the record carried its own ``n`` (not only the base name)
    index: int = 0  # 1-based position in the pack

    @property
    def metric(self) -> str:
        """The CityOps metric key (module docstring)."""
        if not self.named and self.unit in GEO_UNITS:
            return self.unit
        name = self.name
        return name[max(name.rfind(":"), name.rfind("/")) + 1 :]


def loads(payload: bytes | str) -> list:
    """The JSON array of a pack, or SenMLError saying why not."""
    if isinstance(payload, bytes | bytearray):
        try:
            payload = payload.decode("utf-8")  # RFC 8259 §8.1: JSON between systems is UTF-8
        except UnicodeDecodeError:
            raise SenMLError("the payload is not UTF-8 text") from None
    try:
        data = json.loads(payload, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:
        raise SenMLError(f"not JSON ({exc})") from None
    if not isinstance(data, list):
        raise SenMLError("a SenML pack is a JSON array of records (RFC 8428 §5)")
    return data


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def _number(record: dict, label: str, index: int) -> float | None:
    if label not in record:
        return None
    raw = record[label]
    # bool is an int in Python: "v": true must not read as 1.
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise SenMLError(f"{label!r} must be a number, not {raw!r}", record=index)
    value = float(raw)
    if not math.isfinite(value):
        raise SenMLError(f"{label!r} must be a finite number", record=index)
    return value


def _text(record: dict, label: str, index: int) -> str | None:
    if label not in record:
        return None
    raw = record[label]
    if not isinstance(raw, str):
        raise SenMLError(f"{label!r} must be a string, not {raw!r}", record=index)
    return raw


def parse(pack: list | bytes | str, *, now: float) -> list[Record]:
    """Resolve every record of ``pack``; ``now`` (Unix seconds) anchors relative times.

    The whole pack is refused on the first bad record: a pack is one measurement event, and
    storing part of it would hide the problem from the sender.
    """
    if isinstance(pack, bytes | bytearray | str):
        pack = loads(pack)
    elif not isinstance(pack, list):
        raise SenMLError("a SenML pack is a JSON array of records (RFC 8428 §5)")
    if not pack:
        raise SenMLError("the pack is empty")
    if len(pack) > MAX_RECORDS:
        raise SenMLError(f"the pack has {len(pack)} records; at most {MAX_RECORDS} are accepted")
    base = {"bn": "", "bu": "", "bt": 0.0, "bv": None, "bs": None}
    out: list[Record] = []
    for index, record in enumerate(pack, start=1):
        if not isinstance(record, dict):
            raise SenMLError("a record is a JSON object", record=index)
        out.append(_resolve(record, index, base, now))
    return out


_KNOWN_LABELS = frozenset(
    {"bn", "bt", "bu", "bv", "bs", "bver", "n", "u", "v", "vs", "vb", "vd", "s", "t", "ut"}
)


def _resolve(record: dict, index: int, base: dict, now: float) -> Record:
    # Hot path (every reading of every pack): look a label up only when the record has it.
    if not _KNOWN_LABELS.issuperset(record):
        for label in record:
            if label.endswith("_"):
                raise SenMLError(f"must-understand label {label!r} is not supported", record=index)
    if "bver" in record:
        version = _number(record, "bver", index)
        if version != int(version) or not 1 <= version <= SUPPORTED_VERSION:
            raise SenMLError(
                f"bver {version:g} is not supported (up to {SUPPORTED_VERSION})", record=index
            )
    for label in _BASE_LABELS:
        if label in record:
            base[label] = _text(record, label, index)
    for label in ("bt", "bv", "bs"):
        if label in record:
            base[label] = _number(record, label, index)

    n = _text(record, "n", index) if "n" in record else None
    name = base["bn"] + (n or "")
    if not name:
        raise SenMLError("the record has no name (neither 'bn' nor 'n')", record=index)
    if not NAME_RE.match(name):
        raise SenMLError(
            f"name {name!r} may use only A-Z a-z 0-9 - : . / _ and must start with a letter or digit",
            record=index,
        )
    unit = _text(record, "u", index) if "u" in record else base["bu"]

    present = [label for label in _VALUE_LABELS if label in record]
    if len(present) > 1:
        raise SenMLError(f"a record has one value, not {', '.join(present)}", record=index)
    value = value_str = value_data = value_bool = total = None
    kind = present[0] if present else None
    if kind == "v":
        value = _number(record, "v", index)
        if base["bv"] is not None:
            value += base["bv"]
    elif kind == "vs":
        value_str = _text(record, "vs", index)
    elif kind == "vd":
        value_data = _text(record, "vd", index)
    elif kind == "vb":
        value_bool = record["vb"]
        if not isinstance(value_bool, bool):
            raise SenMLError(f"'vb' must be true or false, not {value_bool!r}", record=index)
    if "s" in record:
        total = _number(record, "s", index)
        if base["bs"] is not None:
            total += base["bs"]
    if kind is None and total is None:
        raise SenMLError("the record has no value (v, vs, vb, vd or s)", record=index)
    for label, text, limit in (
        ("vs", value_str, MAX_STRING),
        ("vd", value_data, MAX_STRING),
        ("u", unit, MAX_UNIT),
    ):
        if text:
            if len(text) > limit:
                raise SenMLError(f"{label!r} is longer than {limit} characters", record=index)
            if "\x00" in text:
                raise SenMLError(f"{label!r} contains a NUL character", record=index)

    when = base["bt"] + (_number(record, "t", index) if "t" in record else 0.0)
    if when < RELATIVE_TIME_LIMIT:
        when = now + when
    if not EARLIEST_TIME <= when <= LATEST_TIME:
        raise SenMLError(
            f"time {when:.6g} is outside 1978-07-04..2100-01-01 (seconds since 1970, RFC 8428 §4.5.3)",
            record=index,
        )
    return Record(
        name=name,
        time=when,
        unit=unit,
        value=value,
        value_str=value_str,
        value_bool=value_bool,
        value_data=value_data,
        sum=total,
        named=n is not None,
        index=index,
    )
