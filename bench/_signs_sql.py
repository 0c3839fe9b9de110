"""The sign index's leaf values by plain SQL over the case, task, rating, component and alarm
tables (no facts, no rollups): the baseline of bench/signs.py (PostgreSQL).

Each statement reads one period once, grouped by the area path as stored; ``expected`` sums
the rows into every area of every tier (a region is a path prefix) and applies the leaf's
formula as signs.measures states it (a share in % to 2 decimals, per 1,000 ...). Rates of the
evaluation (按期结案率, 结案率, 返工率, 满意率) are counted by bench/_case_sql.py's CASE_SQL and
turned into rates by ``evaluation.definitions.region_values`` (the one definition of each
rate: the baseline checks the counts, not the division).

Not by SQL: B3.3's time share (working time, on the calendar: only the facts have it; its
count of lead tasks disposed is checked), M3.2's dispatch quality (dispatches due in working
hours; the count of dispatches is checked). Each check says what it compared.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from _case_sql import CASE_SQL, fetch

WHOLE_PATH = 200  # more than any area path's length: CASE_SQL groups by the path as stored

OPEN_SQL = """
SELECT c.area_path, k.code, k.major_code, count(*)
FROM cases_case c LEFT JOIN catalog_category k ON k.id = c.category_id
LEFT JOIN (SELECT case_id, max(at) AS at FROM cases_caseevent WHERE action = 'void'
           GROUP BY case_id) v ON v.case_id = c.id
WHERE c.filed_at < %(c)s
  AND NOT (c.status = 'closed' AND c.closed_at < %(c)s)
  AND NOT (c.status = 'voided' AND coalesce(v.at, c.updated_at) < %(c)s)
GROUP BY 1, 2, 3
"""

SOURCES_SQL = """
SELECT area_path, count(*), count(*) FILTER (WHERE source = ANY(%(own)s))
FROM cases_case WHERE filed_at >= %(s)s AND filed_at < %(e)s
GROUP BY 1
"""

RATED_SQL = """
SELECT c.area_path, count(*), count(*) FILTER (WHERE s.rating < 3)
FROM portal_satisfaction s JOIN cases_case c ON c.id = s.case_id
WHERE s.submitted_at >= %(s)s AND s.submitted_at < %(e)s
GROUP BY 1
"""

REPEAT_SQL = """
SELECT area_path, count(*),
       count(*) FILTER (WHERE prev IS NOT NULL AND filed_at - prev <= make_interval(days => %(days)s))
FROM (SELECT area_path, filed_at,
             lag(filed_at) OVER (PARTITION BY area_path, category_id ORDER BY filed_at, id) AS prev
      FROM cases_case
      WHERE filed_at >= %(before)s AND filed_at < %(e)s AND category_id IS NOT NULL) t
WHERE filed_at >= %(s)s
GROUP BY 1
"""

LEAD_TASKS_SQL = """
SELECT c.area_path, count(*)
FROM cases_task t JOIN cases_case c ON c.id = t.case_id
WHERE t.is_lead AND t.status = 'disposed' AND t.disposed_at >= %(s)s AND t.disposed_at < %(e)s
GROUP BY 1
"""

DISPATCHES_SQL = """
SELECT c.area_path, count(*)
FROM cases_caseevent e JOIN cases_case c ON c.id = e.case_id
WHERE e.action IN ('dispatch', 'reroute_share') AND e.actor_id IS NOT NULL
  AND e.at >= %(s)s AND e.at < %(e)s
GROUP BY 1
"""

COMPONENTS_SQL = """
SELECT m.area_path, k.code, k.major_code, count(*)
FROM components_component m JOIN catalog_category k ON k.id = m.category_id
WHERE m.state <> ALL(%(gone)s)
GROUP BY 1, 2, 3
"""

DEVICES_SQL = """
SELECT d.area_path, t.code, count(*)
FROM iot_device d JOIN iot_devicetype t ON t.id = d.device_type_id
WHERE d.is_active
GROUP BY 1, 2
"""

# Alarms of active devices by path, device type and rule metric: devices with an alarm active
# in [s, e), alarms started in it, the most severe active one as a national level (I = 1).
ALARMS_SQL = """
SELECT d.area_path, t.code, r.metric,
       count(DISTINCT a.device_id) FILTER (WHERE a.cleared_at IS NULL OR a.cleared_at >= %(s)s),
       count(*) FILTER (WHERE a.started_at >= %(s)s),
       min(CASE a.severity WHEN 'critical' THEN 1 WHEN 'major' THEN 2 WHEN 'minor' THEN 3
                           WHEN 'warning' THEN 4 END)
         FILTER (WHERE a.cleared_at IS NULL OR a.cleared_at >= %(s)s)
FROM iot_alarm a JOIN iot_device d ON d.id = a.device_id
JOIN iot_devicetype t ON t.id = d.device_type_id JOIN iot_alarmrule r ON r.id = a.rule_id
WHERE d.is_active AND a.started_at < %(e)s
GROUP BY 1, 2, 3
"""


def _rows(sql: str, params: dict) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _in(code: str | None, major: str | None, wanted: set[str]) -> bool:
    return code in wanted or major in wanted


class Period:
    """What one computation measured, read by SQL: ``start``/``end`` the day (or the 24 hours
    of an hour), ``day`` the period's day; rates over ``window_days`` whole days ending with
    it, cut at the period's end."""

    def __init__(self, day, start, end, window_days: int) -> None:
        from evaluation import selectors
        from signs.measures import FOUND_BY_THE_CITY

        self.start, self.end = start, end
        window_start = selectors.day_bounds(day - timedelta(days=window_days - 1), day)[0]
        cut = end
        self.cases = fetch(CASE_SQL, {"s": window_start, "e": cut, "c": cut, "length": WHOLE_PATH})
        self.open = _rows(OPEN_SQL, {"c": end})
        own = [str(s) for s in FOUND_BY_THE_CITY]
        self.sources = _rows(SOURCES_SQL, {"s": window_start, "e": cut, "own": own})
        self.rated = _rows(RATED_SQL, {"s": window_start, "e": cut})
        self.lead_tasks = _rows(LEAD_TASKS_SQL, {"s": window_start, "e": cut})
        self.dispatches = _rows(DISPATCHES_SQL, {"s": window_start, "e": cut})
        self.repeats: dict[int, list[tuple]] = {}
        from components.models import GONE

        self.components = _rows(COMPONENTS_SQL, {"gone": [str(g) for g in GONE]})
        self.devices = _rows(DEVICES_SQL, {})
        self.alarms = _rows(ALARMS_SQL, {"s": start, "e": end})

    def repeat_rows(self, days: int) -> list[tuple]:
        if days not in self.repeats:
            s = self.end - timedelta(days=days)
            params = {"s": s, "e": self.end, "before": s - timedelta(days=days), "days": days}
            self.repeats[days] = _rows(REPEAT_SQL, params)
        return self.repeats[days]


def _sum(rows, length: int, wanted: set[str], columns: int) -> dict[str, list[int]]:
    """path-keyed rows (path, n1, n2 ...) summed into the regions of a tier."""
    found: dict[str, list[int]] = defaultdict(lambda: [0] * columns)
    for path, *counts in rows:
        region = path[:length]
        if len(region) == length and region in wanted:
            mine = found[region]
            for i, n in enumerate(counts):
                mine[i] += n or 0
    return found


def _percent(part, whole):
    return None if not whole else round(part / whole * 100, 2)


def expected(leaf, tier: str, paths: list[str], period: Period) -> dict[str, float | None] | None:
    """region -> the leaf's raw value by SQL, or None for a kind not checked here."""
    from evaluation import definitions, selectors
    from signs.measures import SENSOR_QUANTITIES

    spec, kind = leaf.measure, leaf.measure.get("kind")
    length, wanted = selectors.tier_path_length(tier), set(paths)
    codes = set(spec.get("categories", []))
    if kind == "region_rate":
        summed: dict[str, dict] = {}
        for path, counts in period.cases.items():
            region = path[:length]
            if len(region) == length and region in wanted:
                mine = summed.setdefault(region, defaultdict(int))
                for key, n in counts.items():
                    mine[key] += n or 0
        found = {}
        for path in paths:
            value = (
                definitions.region_values(summed[path])[spec["indicator"]]
                if path in summed
                else None
            )
            found[path] = None if value is None else float(value)
        return found
    if kind == "active_discovery_rate":
        by = _sum(period.sources, length, wanted, 2)
        return {p: _percent(by[p][1], by[p][0]) for p in paths}
    if kind == "dissatisfied_share":
        by = _sum(period.rated, length, wanted, 2)
        return {p: _percent(by[p][1], by[p][0]) for p in paths}
    if kind in ("open", "component_ok_rate"):
        open_rows = [(path, n if _in(code, major, codes) else 0)
                     for path, code, major, n in period.open]  # fmt: skip
        still_open = _sum(open_rows, length, wanted, 1)
        if kind == "open":
            return {p: float(still_open[p][0]) for p in paths}
        standing = _sum(
            [(path, n if _in(code, major, codes) else 0)
             for path, code, major, n in period.components],
            length, wanted, 1,
        )  # fmt: skip
        return {
            p: round(100 * (1 - min(1.0, still_open[p][0] / standing[p][0])), 2)
            if standing[p][0]
            else None
            for p in paths
        }
    if kind == "overdue_per_mille":
        late = _sum([(p, c["overdue_open"]) for p, c in period.cases.items()], length, wanted, 1)
        still_open = _sum([(p, n) for p, _c, _m, n in period.open], length, wanted, 1)
        return {
            p: round(late[p][0] / still_open[p][0] * 1000, 2) if still_open[p][0] > 0 else None
            for p in paths
        }
    if kind == "repeat_rate":
        by = _sum(period.repeat_rows(int(spec.get("days", 7))), length, wanted, 2)
        return {p: _percent(by[p][1], by[p][0]) for p in paths}
    if kind in ("points_over", "share_over", "alarms", "alarm_level"):
        device_type, metric = SENSOR_QUANTITIES[spec["quantity"]]
        device_type, metric = spec.get("device_type", device_type), spec.get("metric", metric)
        installed = _sum(
            [(path, n) for path, code, n in period.devices if code == device_type],
            length, wanted, 1,
        )  # fmt: skip
        mine = [r for r in period.alarms if r[1] == device_type and r[2] == metric]
        if kind == "alarm_level":
            level: dict[str, int] = {}
            for path, *_rest, worst in mine:
                region = path[:length]
                if worst is not None and region in wanted and len(region) == length:
                    level[region] = min(level.get(region, worst), worst)
            counted = {p: level.get(p, 0) for p in paths}
        else:
            column = 3 if kind in ("points_over", "share_over") else 4
            by = _sum([(r[0], r[column]) for r in mine], length, wanted, 1)
            counted = {p: by[p][0] for p in paths}
        found = {}
        for p in paths:
            devices = installed[p][0]
            if not devices or spec.get("per") and spec["per"] != "monitored_points":
                found[p] = None
            elif kind == "share_over":
                found[p] = round(counted[p] / devices * 100, 2)
            else:
                found[p] = float(counted[p])
        return found
    return None


def counted(leaf, tier: str, paths: list[str], period: Period) -> dict[str, int] | None:
    """region -> what a leaf whose value SQL cannot give counted (B3.3: lead tasks disposed,
    its explanation's ``tasks``; M3.2: dispatches done by someone, ``dispatches.judged``)."""
    from evaluation import selectors

    length, wanted = selectors.tier_path_length(tier), set(paths)
    kind = leaf.measure.get("kind")
    if kind == "time_share":
        by = _sum(period.lead_tasks, length, wanted, 1)
    elif kind == "dispatch_quality":
        by = _sum(period.dispatches, length, wanted, 1)
    else:
        return None
    return {p: by[p][0] for p in paths}
