"""Server-rendered case pages (htmx partials in templates/cases/partials/).

workbench  operator desk: queues by status with SLA lights, filters, bulk dispatch
case_page  one case: timeline, photos, map pin, tasks, and the moves this user may make now
mobile     phone pages: the disposer's tasks, the inspector's verify/check list, the report form
Every view reads through ``access`` (scope) and writes through ``cases.services`` only.
"""
