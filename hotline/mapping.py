"""Column mapping (字段映射): which source column holds which of our fields, and how values read.

Our fields and the headers they are found under without a profile (``FIELDS``): the usual
Chinese headers of 12345 / 110 / 81890 work-order exports and our own English field names. A
saved ``ImportProfile`` overrides the header of any field (``columns``), translates values
(``value_maps``: e.g. 来电类型 "110非警务" -> source ``hotline_110``, 紧急程度 "紧急" -> ``urgent``),
adds date formats and says which time zone and coordinate system the file uses.

Row problems raise ``RowRejected`` with a message naming the column and the value; the caller
records it against the row's line and goes on with the next row.
"""

from __future__ import annotations

from collections.abc import Mapping as MappingABC
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils.translation import gettext as _

from cases.states import CaseStatus, Priority, SourceChannel
from hotline.models import Crs
from hotline.readers import Cell


class RowRejected(ValueError):
    """This row cannot be imported; the message says why (shown with its line number)."""


@dataclass(frozen=True)
class FieldSpec:
    name: str
    headers: tuple[str, ...]  # the usual headers, first one preferred


def _f(name: str, *headers: str) -> FieldSpec:
    return FieldSpec(name, (name, *headers))


FIELDS: dict[str, FieldSpec] = {
    f.name: f
    for f in (
        _f("external_id", "工单编号", "工单号", "编号"),
        _f("description", "诉求内容", "问题描述", "来电内容"),
        _f("address", "地址", "事发地址", "事件地址"),
        _f("lon", "经度"),
        _f("lat", "纬度"),
        _f("crs", "坐标系"),
        _f("grid", "网格编码", "网格代码"),
        _f("area", "区域代码", "行政区划代码"),
        _f("category", "分类代码", "案件分类", "分类"),
        _f("category_hint", "诉求分类", "问题类型"),
        _f("priority", "紧急程度", "优先级"),
        _f("reporter_name", "来电人", "诉求人", "联系人"),
        _f("reporter_phone", "联系电话", "来电号码"),
        _f("reporter_email", "电子邮箱", "邮箱"),
        _f("reported_at", "来电时间", "受理时间", "上报时间"),
        _f("source", "来电类型", "来源", "渠道"),
        # historical mode: the timeline of a finished case
        _f("status", "状态", "工单状态", "案件状态"),
        _f("standard", "立案标准", "立案条件编码"),
        _f("department", "处置部门代码", "处置部门", "承办单位"),
        _f("verified_at", "核实时间"),
        _f("filed_at", "立案时间"),
        _f("dispatched_at", "派遣时间"),
        _f("accepted_at", "接收时间", "签收时间"),
        _f("disposed_at", "处置时间", "处置完成时间"),
        _f("check_started_at", "核查开始时间"),
        _f("check_passed_at", "核查通过时间", "核查时间"),
        _f("closed_at", "结案时间", "办结时间"),
        # The source system's own disposal deadline (处置时限): when given, the imported task
        # keeps it, so on-time rates of imported years are the source's, not recomputed.
        _f("deadline_at", "处置截止时间", "截止时间", "应办结时间", "处置期限"),
        # The source system's own verdict (是否按期): it wins over any deadline (kept or
        # computed), which the import moves just enough to agree with it.
        _f("on_time", "是否按期", "是否按期办结", "按期情况"),
        _f("voided_at", "作废时间"),
        _f("void_reason", "作废原因"),
        _f("dispose_note", "处置情况", "处置意见"),
        _f("close_note", "结案意见", "办结意见"),
    )
}
TIME_FIELDS = (
    "reported_at",
    "verified_at",
    "filed_at",
    "dispatched_at",
    "accepted_at",
    "disposed_at",
    "check_started_at",
    "check_passed_at",
    "closed_at",
    "voided_at",
    "deadline_at",
)
LIVE_REQUIRED = ("external_id", "description")
HISTORICAL_REQUIRED = ("external_id", "description", "status", "reported_at", "category")

# Values every profile understands; a profile's own value_maps are looked up first.
DEFAULT_VALUE_MAPS: dict[str, dict[str, str]] = {
    "source": {
        "12345": SourceChannel.HOTLINE_12345,
        "12345热线": SourceChannel.HOTLINE_12345,
        # 81890 (宁波市民服务热线) was merged into 12345; its tickets arrive on the same channel.
        "81890": SourceChannel.HOTLINE_12345,
        "110": SourceChannel.HOTLINE_110,
        "110非警务": SourceChannel.HOTLINE_110,
        "110联动": SourceChannel.HOTLINE_110,
    },
    "priority": {"一般": Priority.NORMAL, "普通": Priority.NORMAL, "紧急": Priority.URGENT},
    "status": {
        "结案": CaseStatus.CLOSED,
        "已结案": CaseStatus.CLOSED,
        "办结": CaseStatus.CLOSED,
        "已办结": CaseStatus.CLOSED,
        "作废": CaseStatus.VOIDED,
        "已作废": CaseStatus.VOIDED,
    },
    "on_time": {
        "是": "yes",
        "按期": "yes",
        "按时": "yes",
        "yes": "yes",
        "y": "yes",
        "true": "yes",
        "1": "yes",
        "否": "no",
        "超期": "no",
        "逾期": "no",
        "超时": "no",
        "no": "no",
        "n": "no",
        "false": "no",
        "0": "no",
    },
    "crs": {
        "gps": Crs.WGS84,
        "wgs-84": Crs.WGS84,
        "gcj-02": Crs.GCJ02,
        "高德": Crs.GCJ02,
        "腾讯": Crs.GCJ02,
        "bd-09": Crs.BD09,
        "百度": Crs.BD09,
    },
}
# TextChoices class -> {value: plain str}: ``Choices.values`` builds a list on every access, and
# plain strs (not enum members) are what the bulk writer adapts fastest.
_VALUES: dict[type, dict[str, str]] = {}
ISO_SEPARATORS = str.maketrans({"/": "-", ".": "-"})
# Tried (after ISO 8601) on the text with / and . turned into -: unpadded months, days, hours.
DEFAULT_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y年%m月%d日 %H:%M:%S")


def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def profile_problems(profile) -> dict[str, str]:
    """What is wrong with a profile (field -> message); empty when it can be used."""
    problems: dict[str, str] = {}
    columns = profile.columns or {}
    if not isinstance(columns, MappingABC) or not all(isinstance(v, str) for v in columns.values()):
        problems["columns"] = _('Write the columns as {"our field": "column header", ...}.')
    else:
        unknown = sorted(set(columns) - set(FIELDS))
        if unknown:
            problems["columns"] = _("Unknown fields %(names)s; known: %(known)s.") % {
                "names": ", ".join(unknown),
                "known": ", ".join(FIELDS),
            }
    maps = profile.value_maps or {}
    if not isinstance(maps, MappingABC) or not all(
        isinstance(v, MappingABC) for v in maps.values()
    ):
        problems["value_maps"] = _(
            'Write the value maps as {"our field": {"value in the file": "our value"}, ...}.'
        )
    elif set(maps) - set(FIELDS):
        problems["value_maps"] = _("Unknown fields %(names)s.") % {
            "names": ", ".join(sorted(set(maps) - set(FIELDS)))
        }
    formats = profile.date_formats or []
    if not isinstance(formats, list) or not all(isinstance(f, str) and "%" in f for f in formats):
        problems["date_formats"] = _('Write the date formats as a list, e.g. ["%Y/%m/%d %H:%M"].')
    if _zone(profile.timezone or "") is None:
        problems["timezone"] = _("Unknown time zone %(tz)r (e.g. Asia/Shanghai).") % {
            "tz": profile.timezone
        }
    return problems


class Mapping:
    """One file's header resolved against a profile (or the defaults when there is none)."""

    def __init__(self, header: list[str], profile=None, *, source: str = "") -> None:
        self.profile = profile
        self.header = header
        self.source = source or (profile.source if profile else SourceChannel.HOTLINE_12345)
        self.tz = _zone(profile.timezone if profile else "") or _zone("Asia/Shanghai")
        self.crs = profile.crs if profile else Crs.WGS84
        self.date_formats = tuple(profile.date_formats or ()) if profile else ()
        columns = dict(profile.columns or {}) if profile else {}
        positions = {h: i for i, h in reversed(list(enumerate(header))) if h}
        self.index: dict[str, int] = {}
        self.wanted: dict[str, str] = {}  # field -> the header a profile asked for, not found
        for name, spec in FIELDS.items():
            if name in columns:
                if columns[name] in positions:
                    self.index[name] = positions[columns[name]]
                else:
                    self.wanted[name] = columns[name]
                continue
            for candidate in spec.headers:
                if candidate in positions:
                    self.index[name] = positions[candidate]
                    break
        self.maps: dict[str, dict[str, str]] = {}
        own = (profile.value_maps or {}) if profile else {}
        for name in FIELDS:
            merged = {k.casefold(): v for k, v in DEFAULT_VALUE_MAPS.get(name, {}).items()}
            merged.update({str(k).strip().casefold(): str(v) for k, v in own.get(name, {}).items()})
            if merged:
                self.maps[name] = merged

    # --- header ---------------------------------------------------------------------------------
    def header_of(self, name: str) -> str:
        if name in self.index:
            return self.header[self.index[name]]
        return self.wanted.get(name) or FIELDS[name].headers[-1]

    def missing(self, required) -> list[str]:
        """Required fields without a column: named as the header we looked for."""
        return [
            f"{name} ({self.wanted.get(name) or ' / '.join(FIELDS[name].headers)})"
            for name in required
            if name not in self.index
        ]

    def has(self, name: str) -> bool:
        return name in self.index

    @property
    def columns(self) -> list[str]:
        """The headers as rejected rows are keyed (a blank header is "#<column number>")."""
        return [h or f"#{i + 1}" for i, h in enumerate(self.header)]

    def row_dict(self, cells: list[Cell]) -> dict[str, str]:
        """The row as header -> text (what a rejection keeps)."""
        return {
            h: (c.isoformat(sep=" ") if isinstance(c, datetime) else c or "")
            for h, c in zip(self.columns, cells, strict=False)
        }

    # --- values ---------------------------------------------------------------------------------
    def raw(self, cells: list[Cell], name: str) -> Cell:
        i = self.index.get(name)
        if i is None or i >= len(cells):
            return None
        return cells[i]

    def text(self, cells: list[Cell], name: str) -> str:
        value = self.raw(cells, name)
        if value is None:
            return ""
        if isinstance(value, datetime):
            value = value.isoformat(sep=" ")
        mapped = self.maps.get(name)
        if mapped is not None:
            return mapped.get(value.casefold(), value)
        return value

    def require(self, cells: list[Cell], name: str) -> str:
        value = self.text(cells, name)
        if not value:
            raise RowRejected(_("%(column)s is empty.") % {"column": self.header_of(name)})
        return value

    def choice(self, cells: list[Cell], name: str, choices, default: str = "") -> str:
        """The value, which must be one of ``choices`` (a TextChoices), as a plain str."""
        allowed = _VALUES.get(choices)
        if allowed is None:
            allowed = _VALUES[choices] = {str(v): str(v) for v in choices.values}
        value = self.text(cells, name) or default
        if not value:
            return ""
        found = allowed.get(value)
        if found is None:
            raise RowRejected(
                _("%(column)s: %(value)r is not one of %(choices)s (map it in the profile).")
                % {
                    "column": self.header_of(name),
                    "value": value,
                    "choices": ", ".join(choices.values),
                }
            )
        return found

    def flag(self, cells: list[Cell], name: str) -> bool | None:
        """Yes or no (the profile's value map, then the defaults: 是/否, 按期/超期 ...), None
        when empty; anything else refuses the row."""
        value = self.text(cells, name)
        if not value:
            return None
        if value in ("yes", "no"):
            return value == "yes"
        raise RowRejected(
            _("%(column)s: %(value)r is neither yes nor no (map it in the profile).")
            % {"column": self.header_of(name), "value": value}
        )

    def number(self, cells: list[Cell], name: str) -> float | None:
        value = self.text(cells, name)
        if not value:
            return None
        try:
            return float(value)
        except ValueError:
            raise RowRejected(
                _("%(column)s: %(value)r is not a number.")
                % {"column": self.header_of(name), "value": value}
            ) from None

    def time(self, cells: list[Cell], name: str) -> datetime | None:
        """An aware datetime (naive times read in the profile's zone), None when empty."""
        value = self.raw(cells, name)
        if value is None:
            return None
        if isinstance(value, datetime):
            moment = value
        else:
            moment = self._parse_time(value)
            if moment is None:
                raise RowRejected(
                    _("%(column)s: %(value)r is not a date and time (e.g. 2025-03-01 09:30:00).")
                    % {"column": self.header_of(name), "value": value}
                )
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.tz)
        return moment

    def _parse_time(self, text: str) -> datetime | None:
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            pass
        try:  # 2025/03/01 09:30 and 2025.03.01 09:30 are ISO after the separators
            return datetime.fromisoformat(text.translate(ISO_SEPARATORS))
        except ValueError:
            pass
        for fmt in self.date_formats:
            try:
                return datetime.strptime(text, fmt)
            except ValueError:
                continue
        for fmt in DEFAULT_DATE_FORMATS:
            try:
                return datetime.strptime(text.translate(ISO_SEPARATORS), fmt)
            except ValueError:
                continue
        return None
