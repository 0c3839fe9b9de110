from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

from signs import scoring
from signs.models import Status

register = template.Library()


@register.filter
def sign_score(value) -> str:
    """A score to one decimal, or — when there is none."""
    return "—" if value is None or value.score is None else f"{value.score:.1f}"


@register.filter
def sign_state(value) -> str:
    """What the colour means in words (the band is labelled, not only painted: 蓝 is also a
    warning level on the national scale), or why there is no colour."""
    if value is None:
        return ""
    if value.colour:
        label = str(scoring.BAND_LABELS[value.colour])
        if value.pending:
            label += " " + _("(turning %(band)s)") % {"band": scoring.BAND_LABELS[value.pending]}
        return label
    return str(Status(value.status).label)


@register.filter
def sign_raw(value) -> str:
    if value is None or value.raw is None:
        return "—"
    raw = f"{value.raw:g}"
    return f"{raw} {value.node.unit_label}".strip()


@register.filter
def sign_note(explanation) -> str:
    """Why a leaf has no value, in the reader's language."""
    from signs.measures import NOTES
    from signs.models import Source

    key = (explanation or {}).get("note")
    if not key or key not in NOTES:
        return ""
    params = dict(explanation.get("note_params") or {})
    if "source" in params:
        params["source"] = Source(params["source"]).label
    return str(NOTES[key]) % params


def _points(points) -> str:
    return ", ".join(f"{x:g} → {s:g}" for x, s in points)


@register.simple_tag
def sign_formula(value) -> list[tuple[str, str]]:
    """A leaf's computation in words with its figures: what was counted, the normaliser and
    its parameters, and the result."""
    from evaluation import definitions
    from signs import normalisers

    e = value.explanation
    lines = []
    rows, measure = e.get("rows") or {}, e.get("measure") or {}
    if "indicator" in rows and rows.get("counts"):
        indicator = definitions.REGION_BY_KEY[rows["indicator"]]
        top, bottom = rows["counts"][indicator.numerator], rows["counts"][indicator.denominator]
        lines.append((
            _("Counted"),
            f"{definitions.REGION_COUNT_LABELS[indicator.numerator]} {top} / "
            f"{definitions.REGION_COUNT_LABELS[indicator.denominator]} {bottom} = "
            f"{'—' if value.raw is None else f'{value.raw:g} %'} "
            f"({rows['from']} – {rows['to']})",
        ))  # fmt: skip
    elif "categories" in rows:
        codes = ", ".join(rows["categories"])
        if "until" in rows:  # an hour's value: the 24 hours before its end
            until = timezone.localtime(datetime.fromisoformat(rows["until"]))
            counted = _(
                "%(n)s cases filed in the 24 hours to %(until)s in categories %(codes)s"
            ) % {"n": f"{value.raw:g}", "until": f"{until:%Y-%m-%d %H:%M}", "codes": codes}
        else:
            counted = _("%(n)s cases filed on %(day)s in categories %(codes)s") % {
                "n": f"{value.raw:g}",
                "day": rows.get("day", ""),
                "codes": codes,
            }
        lines.append((_("Counted"), counted))  # fmt: skip
        if "exposure" in rows:
            registered, per = rows["exposure"]["registered"], (e.get("normaliser") or {}).get("per")
            lines.append((
                _("Exposure"),
                _("%(n)s registered in the component register (部件台账); %(raw)s / %(n)s × %(per)s = %(d)s")
                % {"n": registered, "raw": f"{value.raw:g}", "per": per,
                   "d": f"{value.raw / registered * per:.2f}" if per else "—"},
            ))  # fmt: skip
        if "baseline_days" in rows or "baseline_until" in rows:
            weeks = len(rows.get("baseline_days") or rows.get("baseline_until"))
            lines.append((
                _("Baseline"),
                _("median of the same weekday over the %(n)s weeks before: %(b)s; ratio %(r)s")
                % {"n": weeks, "b": f"{value.baseline:g}",
                   "r": f"{value.raw / value.baseline:.2f}" if value.baseline else "—"},
            ))  # fmt: skip
    elif "open_cases" in rows:
        at = timezone.localtime(datetime.fromisoformat(rows["at"]))
        codes = ", ".join(rows["open_cases"])
        if "registered" in rows:
            counted = _(
                "%(open)s cases open at %(at)s in categories %(codes)s, %(n)s components "
                "registered (部件台账): 100 × (1 − %(open)s / %(n)s) = %(raw)s"
            ) % {"open": rows["open"], "at": f"{at:%Y-%m-%d %H:%M}", "codes": codes,
                 "n": rows["registered"], "raw": "—" if value.raw is None else f"{value.raw:g} %"}  # fmt: skip
        else:
            counted = _("%(n)s cases open at %(at)s in categories %(codes)s") % {
                "n": f"{value.raw:g}", "at": f"{at:%Y-%m-%d %H:%M}", "codes": codes}  # fmt: skip
        lines.append((_("Counted"), counted))
    elif "repeats" in rows:
        until = timezone.localtime(datetime.fromisoformat(rows["until"]))
        lines.append((
            _("Counted"),
            _("%(r)s of %(n)s cases filed in the %(d)s days to %(until)s followed an earlier "
              "case of the same grid and subclass within %(d)s days")
            % {"r": rows["repeats"], "n": rows["filed"], "d": rows["days"],
               "until": f"{until:%Y-%m-%d %H:%M}"},
        ))  # fmt: skip
    elif "dispatches" in rows:
        d = rows["dispatches"]
        lines.append((
            _("Counted"),
            _("on time %(o)s / %(t)s, accurate (not returned) %(a)s / %(j)s, %(from)s – %(to)s; "
              "the mean of the two rates")
            % {"o": d.get("on_time", 0), "t": d.get("timed", 0), "a": d.get("accurate", 0),
               "j": d.get("judged", 0), "from": rows["from"], "to": rows["to"]},
        ))  # fmt: skip
    elif "time_share_sum" in rows:
        lines.append((
            _("Counted"),
            _("%(n)s lead tasks disposed %(from)s – %(to)s took on average %(raw)s of the "
              "working time they were allowed (Σ taken / allowed = %(sum)s)")
            % {"n": rows["tasks"], "from": rows["from"], "to": rows["to"],
               "raw": "—" if value.raw is None else f"{value.raw:g} %",
               "sum": rows["time_share_sum"]},
        ))  # fmt: skip
    elif "device_type" in rows:
        figures = {"type": rows["device_type"], "metric": rows["metric"], "n": rows["devices"]}
        if "alarms" in rows:
            text = _("%(a)s alarms on %(metric)s started; %(n)s active %(type)s devices")
            figures["a"] = rows["alarms"]
        elif "alarm_level" in rows:
            text = _(
                "most severe %(metric)s alarm active: level %(l)s (0: none); %(n)s active %(type)s devices"
            )
            figures["l"] = rows["alarm_level"]
        else:
            text = _("%(o)s of %(n)s active %(type)s devices had a %(metric)s alarm active")
            figures["o"] = rows.get("over", 0)
        lines.append((_("Counted"), text % figures))
    elif "found_by_the_city" in rows:
        lines.append((
            _("Counted"),
            _("%(own)s found by the city (inspectors, video AI, sensors, planned work) / %(all)s filed")
            % {"own": rows["found_by_the_city"], "all": rows["filed"]},
        ))  # fmt: skip
    spec = e.get("normaliser") or {}
    kind = spec.get("kind", "")
    params = ""
    if "points" in spec:
        params = _points(spec["points"])
    elif kind == "baseline_ratio":
        params = _("ratio ") + _points(normalisers.BASELINE_RATIO_POINTS)
    elif kind == "survey":
        params = _points(normalisers.SURVEY_POINTS)
    elif "bands" in spec:
        params = ", ".join(f"≤ {u:g} → {s:g}" for u, s in spec["bands"])
    elif kind == "deduct":
        params = _("100 from %(ref)s, %(k)s off per %(step)s below") % spec
    lines.append((_("Normaliser"), f"{kind}: {params}".rstrip(": ")))
    if measure.get("kind"):
        lines.append((_("Measure"), ", ".join(f"{k}={v}" for k, v in measure.items())))
    return lines
