"""Language for machine interfaces.

Pages use URL prefixes (zh-Hans at /, English at /en/), so Django's LocaleMiddleware ignores
Accept-Language for unprefixed paths. API clients cannot pick a prefix, so for /api/ and
/open311/ the language comes from Accept-Language (default zh-Hans).
"""

from __future__ import annotations

from django.utils import translation

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
