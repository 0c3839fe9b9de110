"""The monthly ranking bulletin (排名通报) as a PDF: the same tables as the printable page and
the xlsx (evaluation.bulletin.bulletin_data), laid out on A4 by ReportLab.

Chinese text uses ReportLab's built-in CID font STSong-Light (Adobe-GB1): no font file is
shipped or needed on the server; PDF readers draw it with their own Song typeface (Acrobat,
pdfium in Chromium, Preview, poppler with its CJK data). Everything is in one font so mixed
Chinese and Latin lines stay on one baseline.
"""

from __future__ import annotations

import io
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from core.pdf import cjk_font
from evaluation.views import TIER_LABELS

GRADE_COLOURS = {"A": "#1b5e20", "B": "#0d47a1", "C": "#8d6e00", "D": "#bf360c", "E": "#b71c1c"}


def _moved(row: dict) -> str:
    moved = row.get("moved")
    if moved is None:
        return "—"
    return f"▲{moved}" if moved > 0 else f"▼{-moved}" if moved < 0 else "–"


def _value(value, percent: bool) -> str:
    if value is None:
        return "—"
    if isinstance(value, Decimal) and not percent and value == value.to_integral():
        return f"{value:.0f}"
    return f"{value} %" if percent else str(value)


def render(data: dict) -> bytes:
    """The bulletin of ``data`` (bulletin_data) as PDF bytes."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = cjk_font()
    body = ParagraphStyle("body", fontName=font, fontSize=10, leading=15, wordWrap="CJK")
    small = ParagraphStyle("small", parent=body, fontSize=8.5, leading=12, textColor="#555555")
    title = ParagraphStyle("title", parent=body, fontSize=15, leading=21, alignment=1)
    heading = ParagraphStyle("h2", parent=body, fontSize=12.5, leading=18, spaceBefore=10)
    cell = ParagraphStyle("cell", parent=body, fontSize=8.5, leading=11)
    period = data["period"]
    made = timezone.localtime(data["made_at"])
    story = [
        Paragraph(_escape(data["title"]), title),
        Paragraph(
            _("Period %(first)s – %(last)s · made %(made)s")
            % {"first": period.first, "last": period.last, "made": f"{made:%Y-%m-%d %H:%M}"},
            ParagraphStyle("dateline", parent=small, alignment=1),
        ),
        Spacer(1, 4 * mm),
        Paragraph(_("1. Overview 总体情况"), heading),
    ]
    for head in data["headline"]:
        v, c = head["values"], head["counts"]
        story.append(
            Paragraph(
                _(
                    "%(name)s: %(filed)s cases filed; closing rate %(closing)s %%, on-time "
                    "closing rate %(on_time)s %%, satisfaction rate %(satisfaction)s %%; "
                    "%(hard)s hard cases (returned or sent to the fallback owner), %(proxy)s "
                    "fixed by the fallback owner."
                )
                % {
                    "name": _escape(head["region"].name),
                    "filed": c["filed"],
                    "closing": _or_dash(v["closing_rate"]),
                    "on_time": _or_dash(v["on_time_closing_rate"]),
                    "satisfaction": _or_dash(v["satisfaction_rate"]),
                    "hard": c["hard"],
                    "proxy": c["by_proxy"],
                },
                body,
            )
        )

    def ranking(rows: list[dict], name, columns, scheme, empty: str) -> Table:
        header = [_("Rank"), _("Name")]
        if scheme:
            header += [_("Composite score 综合指标值"), _("Grade 等级")]
        header += [_("Change in rank 较上期"), *(str(col.name) for col in columns)]
        lines = [[Paragraph(_escape(str(h)), cell) for h in header]]
        styles = []
        for i, row in enumerate(rows, start=1):
            line = [str(row["rank"]), Paragraph(_escape(name(row)), cell)]
            if scheme:
                line += [_or_dash(row.get("score")), row.get("grade") or "—"]
                if row.get("grade") in GRADE_COLOURS:
                    colour = colors.HexColor(GRADE_COLOURS[row["grade"]])
                    styles.append(("TEXTCOLOR", (3, i), (3, i), colour))
            line += [_moved(row), *(_value(row["values"][col.key], col.percent) for col in columns)]
            lines.append(line)
        if not rows:
            lines.append([Paragraph(_escape(empty), cell)] + [""] * (len(header) - 1))
            styles.append(("SPAN", (0, 1), (-1, 1)))
        widths = [13 * mm, 38 * mm] + [None] * (len(header) - 2)
        table = Table(lines, colWidths=widths, repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), font, 8.5),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef6")),
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa5b1")),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("ALIGN", (2, 1), (-1, -1), "RIGHT"),
                    (
                        "ROWBACKGROUNDS",
                        (0, 1),
                        (-1, -1),
                        [colors.white, colors.HexColor("#f6f8fa")],
                    ),
                    *styles,
                ]
            )
        )
        return table

    number = 1
    for tier, rows in data["regions"]:
        number += 1
        scheme = data["region_scheme"]
        label = _("%(n)s. %(what)s ranked") % {"n": number, "what": TIER_LABELS[tier]}
        if scheme:
            label += f"（{scheme.name}）"
        story += [
            Paragraph(_escape(label), heading),
            ranking(
                rows,
                lambda r: r["name"],
                data["region_columns"],
                scheme,
                _("No cases in this period."),
            ),
        ]
    number += 1
    scheme = data["department_scheme"]
    label = _("%(n)s. Departments ranked") % {"n": number}
    if scheme:
        label += f"（{scheme.name}）"
    story += [
        Paragraph(_escape(label), heading),
        ranking(
            data["departments"],
            lambda r: r["department"].name,
            data["department_columns"],
            scheme,
            _("No tasks in this period."),
        ),
        Paragraph(_("%(n)s. Most filed categories 高发类别") % {"n": number + 1}, heading),
    ]
    for place, categories in data["top"]:
        listed = "、".join(f"{name} {n}" for name, n in categories) or "—"
        story.append(Paragraph(f"<b>{_escape(place)}</b>: {_escape(listed)}", body))
    story.append(Paragraph(_("Notes 说明"), heading))
    notes = [f"{col.name}: {col.formula}" for col in data["region_columns"]]
    notes += [f"{col.name}: {col.formula}" for col in data["department_columns"]]
    notes.append(
        _(
            "On time means at or before the deadline in working time, with pauses and approved "
            "extensions applied; open cases not yet due count in no rate."
        )
    )
    for i, note in enumerate(notes, start=1):
        story.append(Paragraph(f"{i}. {_escape(str(note))}", small))

    def page_number(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.drawCentredString(A4[0] / 2, 10 * mm, f"— {doc.page} —")
        canvas.restoreState()

    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=data["title"],
        author="CityOps",
    )
    doc.build(story, onFirstPage=page_number, onLaterPages=page_number)
    return out.getvalue()


def _or_dash(value) -> str:
    return "—" if value is None else str(value)


def _escape(text: str) -> str:
    """Paragraph text is a small XML dialect: names with & or < must not break it."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
