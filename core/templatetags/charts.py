"""Small charts drawn on the server (no script): evaluation trends, sign index trends."""

from django import template

register = template.Library()


SPARK_WIDTH, SPARK_HEIGHT = 84, 22


@register.simple_tag
def sparkline(points, when: str = "%Y-%m") -> str:
    """A small line of a rate or score (0-100) over time, ``[(date, value or None)]``, as
    inline SVG (prints, needs no script); a date without a number leaves a gap. Its title lists
    every value (dates as ``when``), so the figure is readable without the drawing."""
    from django.utils.html import format_html, format_html_join
    from django.utils.translation import gettext

    if not points or all(v is None for _m, v in points):
        return "—"
    step = (SPARK_WIDTH - 4) / max(1, len(points) - 1)
    runs, run = [], []
    dots = []
    for i, (_month, value) in enumerate(points):
        if value is None:
            runs, run = (runs + [run]) if run else runs, []
            continue
        x = 2 + i * step
        y = SPARK_HEIGHT - 2 - float(value) / 100 * (SPARK_HEIGHT - 4)
        run.append(f"{x:.1f},{y:.1f}")
        dots.append((f"{x:.1f}", f"{y:.1f}"))
    if run:
        runs.append(run)
    title = "; ".join(f"{m:{when}} {'—' if v is None else f'{float(v):.1f}'}" for m, v in points)
    lines = format_html_join("", '<polyline points="{}"/>', ((" ".join(r),) for r in runs))
    last_x, last_y = dots[-1]
    return format_html(
        '<svg class="sparkline" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
        'aria-label="{label}: {title}"><title>{title}</title>{lines}'
        '<circle cx="{x}" cy="{y}" r="2"/></svg>',
        w=SPARK_WIDTH,
        h=SPARK_HEIGHT,
        label=gettext("Trend 走势"),
        title=title,
        lines=lines,
        x=last_x,
        y=last_y,
    )
