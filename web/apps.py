from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "web"
    verbose_name = _("Web shell")

    def ready(self) -> None:
        from django.contrib import admin

        admin.site.site_header = _("CityOps administration")
        admin.site.site_title = _("CityOps administration")
        admin.site.index_title = _("City operations configuration")
        # One door: the admin's login page sends to the site's, which limits failed log-ins and
        # asks for the two-step code (web.auth).
        admin.site.login = site_login

        from django.contrib.auth import get_user_model
        from django.db.models.signals import pre_save

        from web.auth import end_lockout_on_new_password

        pre_save.connect(
            end_lockout_on_new_password, sender=get_user_model(), dispatch_uid="end-lockout"
        )


def site_login(request, extra_context=None):
    """The admin's login: the site's login page, back to the admin afterwards. Staff without
    admin rights who are already logged in get their own start page, not a redirect loop."""
    from django.contrib.auth.views import redirect_to_login
    from django.shortcuts import redirect
    from django.urls import reverse

    if request.user.is_authenticated:
        return redirect("web:start")
    target = request.GET.get("next") or reverse("admin:index")
    return redirect_to_login(target, login_url=reverse("web:login"))
