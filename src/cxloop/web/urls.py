from django.contrib.auth import views as auth_views
from django.urls import path

from . import outbox, store_settings, team, views, views_auth

app_name = "web"
urlpatterns = [
    path("login/", views_auth.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password-reset/", views_auth.PasswordResetView.as_view(), name="password-reset"),
    path("password-reset/sent/", views_auth.PasswordResetSentView.as_view(), name="password-reset-sent"),
    path(
        "password-reset/<uidb64>/<token>/",
        views_auth.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path(
        "password-reset/done/",
        views_auth.PasswordResetCompleteView.as_view(),
        name="password-reset-complete",
    ),
    path("switch-store/", views.switch_store, name="switch-store"),
    path("calendar/", views.set_calendar, name="set-calendar"),
    path("", views.overview, name="overview"),
    path("settings/", store_settings.store_settings, name="settings"),
    path("stores/new/", store_settings.store_new, name="store-new"),
    path("team/", team.team, name="team"),
    path("team/invite/", team.invite, name="team-invite"),
    path("team/members/<id:membership_id>/role/", team.change_role, name="team-role"),
    path("team/members/<id:membership_id>/remove/", team.remove_member, name="team-remove"),
    path("team/invitations/<id:invitation_id>/resend/", team.resend_invitation, name="team-resend"),
    path("team/invitations/<id:invitation_id>/revoke/", team.revoke_invitation, name="team-revoke"),
    path("audit-log/", team.audit_log, name="audit-log"),
    path("outbox/", outbox.outbox, name="outbox"),
    path("outbox/<id:message_id>/", outbox.outbox_message, name="outbox-message"),
    path("outbox/<id:message_id>/html/", outbox.outbox_message_html, name="outbox-message-html"),
    path("invitations/<str:token>/", team.invitation, name="invitation"),
]
