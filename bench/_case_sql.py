"""The evaluation counts of the case tables by plain SQL (cases_task, cases_case, their events,
intake reports, routing decisions, ratings), as one would write them without facts: the
baseline of bench/evaluation.py and of bench/signs.py's rate leaves (PostgreSQL).

Parameters: ``s`` and ``e`` the period [s, e), ``c`` the moment the overdue backlog is counted
at; CASE_SQL's ``length`` the area path prefix it groups by (a tier's length, or more than any
path's to group by the path as stored).
"""

TASK_SQL = """
WITH t AS (
  SELECT t.department_id, t.status, t.started_at, t.deadline_at, t.rework_count, t.extended,
         CASE WHEN t.status = 'disposed' THEN t.disposed_at
              WHEN t.status IN ('returned', 'cancelled') THEN r.at END AS settled_at,
         s.rating, s.submitted_at AS rated_at
  FROM cases_task t JOIN cases_case c ON c.id = t.case_id
  LEFT JOIN (SELECT task_id, min(at) AS at FROM cases_caseevent WHERE action = 'return'
             GROUP BY task_id) r ON r.task_id = t.id
  LEFT JOIN portal_satisfaction s
    ON s.case_id = t.case_id AND t.is_lead AND t.round = c.dispatch_round
)
SELECT department_id,
  count(*) FILTER (WHERE disposed) AS disposed,
  count(*) FILTER (WHERE disposed AND settled_at <= deadline_at) AS disposed_on_time,
  count(*) FILTER (WHERE overdue) AS overdue_open,
  count(*) FILTER (WHERE disposed OR overdue) AS due,
  count(*) FILTER (WHERE disposed AND rework_count > 0) AS reworked,
  count(*) FILTER (WHERE disposed AND extended > 0) AS extended,
  count(*) FILTER (WHERE started_at >= %(s)s AND started_at < %(e)s) AS dispatched,
  count(*) FILTER (WHERE status = 'returned' AND settled_at >= %(s)s AND settled_at < %(e)s)
    AS returned,
  count(*) FILTER (WHERE disposed) + coalesce(sum(rework_count) FILTER (WHERE disposed), 0)
    AS checked_raw,
  count(*) FILTER (WHERE rated_at >= %(s)s AND rated_at < %(e)s) AS rated,
  count(*) FILTER (WHERE rated_at >= %(s)s AND rated_at < %(e)s AND rating >= 4) AS satisfied
FROM (
  SELECT *, status = 'disposed' AND settled_at >= %(s)s AND settled_at < %(e)s AS disposed,
         started_at < %(c)s AND deadline_at < %(c)s
           AND (settled_at IS NULL OR settled_at >= %(c)s) AS overdue
  FROM t
) x
GROUP BY department_id
"""

CASE_SQL = """
WITH c AS (
  SELECT substr(c.area_path, 1, %(length)s) AS region, c.source, c.status, c.filed_at,
         c.rework_count, c.returned_count,
         t.deadline_at,
         CASE WHEN c.status IN ('disposed', 'checking', 'closed') THEN c.disposed_at END
           AS disposed_at,
         CASE WHEN c.status = 'closed' THEN c.closed_at
              WHEN c.status = 'voided' THEN coalesce(v.at, c.updated_at) END AS settled_at,
         coalesce(r.n, 0) AS reports, d.case_id IS NOT NULL AS fallback,
         s.rating, s.submitted_at AS rated_at
  FROM cases_case c
  LEFT JOIN cases_task t
    ON t.case_id = c.id AND t.round = c.dispatch_round AND t.is_lead
  LEFT JOIN (SELECT case_id, max(at) AS at FROM cases_caseevent WHERE action = 'void'
             GROUP BY case_id) v ON v.case_id = c.id
  LEFT JOIN (SELECT case_id, count(*) AS n FROM intake_intakereport GROUP BY case_id) r
    ON r.case_id = c.id
  LEFT JOIN (SELECT DISTINCT case_id FROM dispatch_routingdecision WHERE is_fallback) d
    ON d.case_id = c.id
  LEFT JOIN portal_satisfaction s ON s.case_id = c.id
  WHERE c.filed_at IS NOT NULL
)
SELECT region,
  count(*) FILTER (WHERE filed) AS filed,
  count(*) FILTER (WHERE filed AND source = 'inspector') AS inspector_filed,
  count(*) FILTER (WHERE filed AND source IN ('hotline_12345', 'hotline_110', 'citizen',
                                              'open311')) AS public_filed,
  count(*) FILTER (WHERE closed) AS closed,
  count(*) FILTER (WHERE closed AND (deadline_at IS NULL OR disposed_at <= deadline_at))
    AS closed_on_time,
  count(*) FILTER (WHERE overdue) AS overdue_open,
  count(*) FILTER (WHERE closed OR overdue) AS due,
  count(*) FILTER (WHERE closed AND rework_count > 0) AS reworked,
  count(*) FILTER (WHERE filed AND reports > 1) AS repeated,
  count(*) FILTER (WHERE status = 'voided' AND settled_at >= %(s)s AND settled_at < %(e)s)
    AS voided,
  count(*) FILTER (WHERE filed AND (returned_count > 0 OR fallback)) AS hard,
  count(*) FILTER (WHERE closed AND fallback) AS by_proxy,
  count(*) FILTER (WHERE rated_at >= %(s)s AND rated_at < %(e)s) AS rated,
  count(*) FILTER (WHERE rated_at >= %(s)s AND rated_at < %(e)s AND rating >= 4) AS satisfied
FROM (
  SELECT *, filed_at >= %(s)s AND filed_at < %(e)s AS filed,
         status = 'closed' AND settled_at >= %(s)s AND settled_at < %(e)s AS closed,
         filed_at < %(c)s AND deadline_at < %(c)s
           AND (settled_at IS NULL OR settled_at >= %(c)s)
           AND NOT coalesce(disposed_at < %(c)s AND disposed_at <= deadline_at, false)
           AS overdue
  FROM c
) x
GROUP BY region
"""


def fetch(sql: str, params: dict) -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [col.name for col in cursor.description]
        return {row[0]: dict(zip(names[1:], row[1:], strict=True)) for row in cursor.fetchall()}
