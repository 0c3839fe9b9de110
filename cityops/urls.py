from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path, re_path

from cases.media import serve_media
from cityops.api import api, unknown_endpoint
from core.csp_report import csp_report
from core.metrics import metrics_view
from evaluation import public as evaluation_public
from web import views as web_views

urlpatterns = [
    path("api/v1/", api.urls),
    re_path(r"^api/v1/(?P<path>.*)$", unknown_endpoint),  # after the API: a JSON 404
    path("open311/v2/", include("open311.urls")),
    path("i18n/setlang/", web_views.set_language, name="set_language"),
    # Case photos, each to whoever may see its case or holds a signed link (cases.media).
    path("media/<path:path>", serve_media, name="media"),
    path("metrics", metrics_view, name="metrics"),  # Prometheus, with METRICS_TOKEN only
    path("csp-report", csp_report, name="csp_report"),  # browsers' CSP violation reports
]
# zh-Hans is the default and has no prefix; English lives under /en/.
urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    path("cases/", include("cases.urls")),
    path("intake/", include("intake.urls")),
    # The published evaluation results (off by default), in the citizen portal's space.
    path("citizen/results/", evaluation_public.results, name="public_results"),
    path("citizen/", include("portal.urls")),
    path("iot/", include("iot.urls")),
    path("evaluation/", include("evaluation.urls")),
    path("signs/", include("signs.urls")),
    path("components/", include("components.urls")),
    path("plans/", include("plans.urls")),
    path("", include("web.urls")),
    prefix_default_language=False,
)
