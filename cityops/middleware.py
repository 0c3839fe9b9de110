"""Language for machine interfaces.

Pages use URL prefixes (zh-Hans at /, English at /en/), so Django's LocaleMiddleware ignores
Accept-Language for unprefixed paths. API clients cannot pick a prefix, so for /api/ and
/open311/ the language comes from Accept-Language (default zh-Hans).
"""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _

MACHINE_PREFIXES = ("/api/", "/open311/")


class MachineLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith(MACHINE_PREFIXES):
            language = translation.get_language_from_request(request, check_path=False)
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)


class NumberOutOfRangeMiddleware:
    """An id in a URL too large for the database (``/trackers/1361708461954993677964/trail``)
    names no object: 404 like any missing one, not a 500.

    SQLite raises OverflowError for an integer past 64 bits, PostgreSQL a DataError with
    SQLSTATE 22003 (numeric_value_out_of_range); both reach here from every page and every API
    operation (ninja re-raises what it has no handler for).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not _out_of_range(exception):
            return None
        if request.path_info.startswith(MACHINE_PREFIXES):
            from django.http import JsonResponse

            return JsonResponse(
                {"code": "not_found", "message": _("No such object: the number is out of range.")},
                status=404,
            )
        from django.http import Http404

        raise Http404(_("No such object: the number is out of range."))


def _out_of_range(exception: Exception) -> bool:
    from django.db import DataError

    if isinstance(exception, OverflowError):
        return True
    cause = exception.__cause__
    return isinstance(exception, DataError) and getattr(cause, "sqlstate", "") == "22003"
