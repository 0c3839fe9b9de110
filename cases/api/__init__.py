"""/api/v1/cases and /api/v1/tasks: every case move, through the same services as the pages.

Modules: ``reads`` (lists, detail, timeline, inbox), ``moves`` (the table of case and task moves,
one endpoint per row, and photos), ``common`` (error responses, path types, the detail answer);
schemas in ``cases.api_schemas``, scope and filters in ``cases.api_selectors``.

Reads
- ``GET /cases``: the cases the caller may see, filtered and paged, each with its traffic light.
- ``GET /cases/{number}``: one case with its current tasks, lights, photos and allowed moves.
- ``GET /cases/{number}/timeline``: the audit trail (CaseEvent), oldest first.
- ``GET /tasks``: a disposer's department inbox; for desk staff, tasks of the cases they see.

Writes (each answers with the updated case detail)
- ``POST /cases`` report (上报, intake's door); ``POST /cases/{number}/<move>`` for verify,
  reverify, file, refuse, void, dispatch, upgrade, suspend, resume, start-check, check-pass,
  check-fail, close;
- ``POST /tasks/{id}/<move>`` for accept, return, extension, extension/approve,
  extension/reject, dispose, reroute, settle;
- ``POST /cases/{number}/evidence``: photos (multipart).

Photos: upload first, then move. Photos go up through ``/evidence`` (kind ``before``, ``after``
with the task id, or ``check``); ``dispose`` then needs at least one after-photo of the task
(422 ``after_photo_required`` otherwise) and ``check-pass``/``check-fail`` use the check photos
already on the case. One upload path, so size/type checks and EXIF stripping live in one place
and a move body is always small JSON.

Errors are ``{"code", "message"}``: 404 when the case or task is not one the caller may see (also
when it exists outside their scope, so numbers do not leak), 403 when it is visible but the
caller's role or department may not make the move, 409 when the case's state does not allow the
move (``illegal_move``, ``already_done``, ``needs_verification``, ``check_required``) or someone
else moved first (``conflict``), 422 for bad input.
"""

from __future__ import annotations

from cases.api import moves, reads  # noqa: F401  (each registers its endpoints)
from cases.api.common import router

__all__ = ["router"]
