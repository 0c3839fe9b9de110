from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "web"
    verbose_name = _("Web shell")

    def ready(self) -> None:
        from django.contrib import admin

        from web.auth import AdminLoginForm

        admin.site.site_header = _("CityOps administration")
        admin.site.site_title = _("CityOps administration")
        admin.site.index_title = _("City operations configuration")
        admin.site.login_form = AdminLoginForm  # failed log-ins limited like the site's own
