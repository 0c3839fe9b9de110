from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from web import sms_reset, two_factor, views
from web.auth import LoginForm, ResetForm

app_name = "web"


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "web/password_change.html"
    success_url = reverse_lazy("web:password_change_done")

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "two_factor_eligible": two_factor.eligible(self.request.user),
        }


class ResetView(auth_views.PasswordResetView):
    template_name = "web/password_reset.html"
    email_template_name = "web/password_reset_email.txt"
    subject_template_name = "web/password_reset_subject.txt"
    form_class = ResetForm
    success_url = reverse_lazy("web:password_reset_done")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}


urlpatterns = [
    path("", views.home, name="home"),
    path("start/", views.start, name="start"),
    path("map/", views.city_map, name="map"),
    path("cockpit/", views.cockpit_page, name="cockpit"),
    path("m/", views.phone, name="phone"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("m/supervise/<str:number>/", views.leader_supervise, name="leader_supervise"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="web/login.html",
            redirect_authenticated_user=True,
            authentication_form=LoginForm,
        ),
        name="login",
    ),
    # Every user changes their own password; their other sessions end with it (Django keeps
    # only the session that changed it).
    path("password/", PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="web/password_change_done.html"),
        name="password_change_done",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/two-factor/", two_factor.setup, name="two_factor"),
    # Forgotten password: a one-time link by email (the admin can also set one in the admin).
    path(
        "password/reset/",
        ResetView.as_view(),
        name="password_reset",
    ),
    # Or by a code texted to the phone on file (web.sms_reset).
    path("password/reset/sms/", sms_reset.ask, name="sms_reset"),
    path("password/reset/sms/code/", sms_reset.confirm, name="sms_reset_code"),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="web/password_reset_sent.html"),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="web/password_reset_confirm.html",
            success_url=reverse_lazy("web:login"),
            post_reset_login=False,
        ),
        name="password_reset_confirm",
    ),
]
