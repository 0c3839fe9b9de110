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

        from django.contrib.auth import get_user_model
        from django.db.models.signals import pre_save

        from web.auth import end_lockout_on_new_password

        pre_save.connect(
            end_lockout_on_new_password, sender=get_user_model(), dispatch_uid="end-lockout"
        )
