from django import template

register = template.Library()


@register.filter
def item(mapping, key):
    """``mapping[key]`` in a template (None when missing)."""
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.simple_tag
def public_results_url() -> str:
    """The citizen portal's results page when the city publishes it, else ""."""
    from django.urls import reverse

    from evaluation.models import PublicResults

    return reverse("public_results") if PublicResults.current().enabled else ""


SPARK_WIDTH, SPARK_HEIGHT = 84, 22


@register.simple_tag
def sparkline(points) -> str:
    """A small line of a rate (0-100) over months, ``[(month, value or None)]``, as inline SVG
    (prints, needs no script); a month without a number leaves a gap. Its title lists every
    month's value, so the figure is readable without the drawing."""
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
    title = "; ".join(f"{m:%Y-%m} {'—' if v is None else f'{v} %'}" for m, v in points)
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
