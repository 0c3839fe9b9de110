"""Pages of the sign index (城市运行体征): an area's index with its tree, and the explanation of
any value (how it was computed, from what)."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from areas.models import AdminArea
from cases import permissions
from cases.views.access import elsewhere
from core.dates import day_or_none
from evaluation.selectors import RANKING_ROLES
from org.models import Role
from signs import behind, early_warning, figure_pages, normalisers, scoring, selectors, services
from signs.models import Level, SignNode, SignValue


@login_required
def index(request: HttpRequest) -> HttpResponse:
    if not selectors.scope_roots(request.user):
        return elsewhere(request.user)
    area = selectors.area_in_scope(request.user, request.GET.get("area"))
    if area is None:
        raise Http404("No such area in your scope.")
    tree = selectors.current_tree()
    latest = selectors.latest_day(tree) if tree else None
    day = day_or_none(request.GET.get("day")) or latest
    root = selectors.tree_of(tree, area, day) if tree and day else None
    warnings = early_warning.active(area.path)
    return render(
        request,
        "signs/index.html",
        {
            "now": _now(tree, area) if tree else None,
            "tree": tree,
            "area": area,
            "day": day,
            "latest": latest,
            "root": root,
            "children": selectors.child_areas(tree, area, day) if root else [],
            "parent": area.parent
            if area.parent_id and selectors.area_in_scope(request.user, area.parent.code)
            else None,
            "bands": [(b, scoring.BAND_LABELS[b]) for b in scoring.BANDS],
            "may_edit": _may_edit(request.user),
            "may_add_figures": figure_pages.may_add(request.user),
            "warnings": warnings,
            "area_names": _names({w.area_path for w in warnings}),
        },
    )


@login_required
def value(request: HttpRequest, pk: int) -> HttpResponse:
    found = SignValue.objects.select_related("node", "tree").filter(pk=pk).first()
    if found is None:
        raise Http404("No such value.")
    area = next(
        (a for a in selectors.scope_roots(request.user) if found.area_path.startswith(a.path)),
        None,
    )
    if area is None:
        raise Http404("No such value.")  # out of scope: the same answer as missing
    children = []
    for child in found.explanation.get("children", []):
        stored = (
            SignValue.objects.filter(
                tree=found.tree,
                node__code=child["code"],
                area_path=found.area_path,
                day=found.day,
                hour=found.hour,
            )
            .select_related("node")
            .first()
        )
        children.append({**child, "value": stored})
    # The cases, ratings and people behind a number are for the roles that may open the
    # evaluation's drill-downs (a disposer or an inspector sees the number and how it is made).
    may_list = permissions.role_of(request.user) in RANKING_ROLES
    return render(
        request,
        "signs/value.html",
        {
            "value": found,
            "explanation": found.explanation,
            "children": children,
            "cases_url": _cases_url(found) if may_list else "",
            "behind": behind.records(found) if may_list and not children else None,
            "area_name": _area_name(found.area_path),
            "trend": _trend(found),
        },
    )


def _trend(found: SignValue) -> dict:
    """The node's trend in the value's area for the page's charts (static/js/sign-trend.js):
    30 days and 48 hours of scores with their colours and pages, and the band floors."""
    trend = selectors.node_trend(found)
    for point in trend["days"] + trend["hours"]:
        point["url"] = reverse("signs:value", args=[point["pk"]]) if point["pk"] else ""
    if not any(p["pk"] for p in trend["hours"]):
        trend["hours"] = []  # no hour computed: no chart of empty hours
    trend["floors"] = [float(f) for f in found.tree.floors]
    trend["labels"] = {"score": _("Score")}
    return trend


def _now(tree, area: AdminArea) -> dict | None:
    """The area's index as the latest computed hour ended (实时: its 24 hours), with the
    hours before it; None before any hour is computed."""
    latest = selectors.current_hour(tree)
    if latest is None:
        return None
    day, hour = latest
    value = (
        SignValue.objects.filter(
            tree=tree, area_path=area.path, day=day, hour=hour, node__level=Level.INDEX
        )
        .select_related("node")
        .first()
    )
    if value is None:
        return None
    trend = selectors.hourly_trend(tree, area, day, hour)
    return {
        "value": value,
        "until": timezone.localtime(trend[-1][0]),
        "trend": [(timezone.localtime(at), score) for at, score, _colour in trend],
    }


def _names(paths) -> dict[str, str]:
    """path -> area name, for these paths only."""
    return dict(AdminArea.objects.filter(path__in=paths).values_list("path", "name"))


def _area_name(path: str) -> str:
    name = _names([path]).get(path)
    if name is None:  # a unit grid (the grid tier)
        from areas.models import UnitGrid

        grid = UnitGrid.objects.filter(path=path).values_list("code", "name").first()
        name = f"{grid[1]} {grid[0]}".strip() if grid else path
    return name


def _cases_url(found: SignValue) -> str:
    """The evaluation drill-down listing the cases a platform value counted: a rate's
    numerator over its window, or a day's filed cases of the leaf's categories."""
    rows = found.explanation.get("rows") or {}
    area = AdminArea.objects.filter(path=rows.get("area", "")).first() if rows else None
    if area is None:
        return ""
    if "indicator" in rows:
        from evaluation import definitions

        indicator = definitions.REGION_BY_KEY.get(rows["indicator"])
        if indicator is None:
            return ""
        query = {"count": indicator.numerator, "from": rows["from"], "to": rows["to"]}
    elif "categories" in rows and "day" in rows:  # a filed leaf's day (an hour's: 24 hours)
        query = {"count": "filed", "from": rows["day"], "to": rows["day"],
                 "category": rows["categories"]}  # fmt: skip
        kind = (found.explanation.get("measure") or {}).get("kind_of_case")
        if kind:
            query["kind"] = kind
    else:
        return ""
    return (
        reverse("evaluation:region_cases")
        + "?"
        + urlencode({"region": area.code, **query}, doseq=True)
    )


def _may_edit(user) -> bool:
    return user.is_superuser or permissions.role_of(user) == Role.ADMIN


def _weights_asked(request: HttpRequest, nodes) -> tuple[dict[str, float], list[str]]:
    """node code -> weight from the form, and the problems (unreadable numbers, siblings not
    summing to 1)."""
    weights, problems = {}, []
    for node in nodes:
        raw = request.POST.get(f"w-{node.code}", "").strip()
        try:
            value = float(raw)
            if not 0 <= value <= 1:
                raise ValueError
        except ValueError:
            problems.append(
                _("%(code)s: the weight must be a number from 0 to 1.") % {"code": node.code}
            )
            continue
        weights[node.code] = value
    by_parent: dict[int, list] = {}
    for node in nodes:
        if node.parent_id and node.code in weights:
            by_parent.setdefault(node.parent_id, []).append(weights[node.code])
    names = {n.pk: n.code for n in nodes}
    for parent, shares in by_parent.items():
        if abs(sum(shares) - 1) > 0.001:
            problems.append(
                _("The weights under %(code)s sum to %(sum)s, not 1.")
                % {"code": names.get(parent, "?"), "sum": f"{sum(shares):.4f}"}
            )
    return weights, problems


def _specs_asked(request: HttpRequest, nodes) -> tuple[dict[str, dict], list[str]]:
    """leaf code -> its normaliser as changed in the form (only the changed ones), and the
    problems (not JSON, parameters the normaliser cannot use)."""
    specs, problems = {}, []
    for node in nodes:
        text = request.POST.get(f"n-{node.code}")
        if node.level != Level.LEAF or text is None:
            continue
        try:
            spec = json.loads(text)
            normalisers.check(spec)
        except json.JSONDecodeError:
            problems.append(_("%(code)s: the normaliser is not valid JSON.") % {"code": node.code})
            continue
        except normalisers.BadParameters as exc:
            problems.append(f"{node.code}: {exc}")
            continue
        if spec != node.normaliser:
            specs[node.code] = spec
    return specs, problems


@login_required
def weights(request: HttpRequest) -> HttpResponse:
    """The tree's weights with the index of every area before and after a change, side by side,
    before it is saved (administrators); a save is in the tree's admin history, the latest day
    is computed again with it and the latest hour queued for the worker."""
    if not _may_edit(request.user):
        return elsewhere(request.user)
    tree = selectors.current_tree()
    if tree is None:
        raise Http404("No sign tree is in use.")
    nodes = list(tree.nodes.exclude(level=Level.INDEX).order_by("code"))
    for node in nodes:
        node.spec_text = json.dumps(node.normaliser, ensure_ascii=False)
    day = selectors.latest_day(tree)
    compared, problems = [], []
    if request.method == "POST":
        asked, problems = _weights_asked(request, nodes)
        specs, spec_problems = _specs_asked(request, nodes)
        problems += spec_problems
        if not problems and day:
            compared = services.preview(tree, asked, day, specs)
        if not problems and request.POST.get("action") == "save":
            changed = []
            for node in nodes:
                if float(node.weight) != asked[node.code]:
                    changed.append(f"{node.code} {node.weight} -> {asked[node.code]}")
                    SignNode.objects.filter(pk=node.pk).update(weight=asked[node.code])
                if node.code in specs:
                    changed.append(
                        f"{node.code} {node.spec_text} -> {json.dumps(specs[node.code])}"
                    )
                    SignNode.objects.filter(pk=node.pk).update(normaliser=specs[node.code])
            if changed:
                LogEntry.objects.log_actions(
                    request.user.pk, [tree], CHANGE,
                    change_message=_("Weights changed on the weights page: %(changes)s")
                    % {"changes": "; ".join(changed)},
                    single_object=True,
                )  # fmt: skip
                if day:
                    services.compute_day(day, tree=tree)
                from signs import tasks

                # the index "now" too (a queue that is down loses it, not the save)
                transaction.on_commit(tasks.recompute_latest_hour, robust=True)
            messages.success(request, _("Saved: %(n)s weights changed.") % {"n": len(changed)})
            return redirect("signs:weights")
        for node in nodes:
            node.asked = request.POST.get(f"w-{node.code}", node.weight)
            if node.level == Level.LEAF:
                node.spec_text = request.POST.get(f"n-{node.code}", node.spec_text)
    names = _names({row["area_path"] for row in compared})
    for row in compared:
        row["name"] = names.get(row["area_path"], row["area_path"])
        row["before_band"] = scoring.band_of(row["before"], tree.floors) or "none"
        row["after_band"] = scoring.band_of(row["after"], tree.floors) or "none"
        if row["before"] is not None and row["after"] is not None:
            row["change"] = row["after"] - row["before"]
    return render(
        request,
        "signs/weights.html",
        {"tree": tree, "nodes": nodes, "day": day, "compared": compared, "problems": problems},
    )
