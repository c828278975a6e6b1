from django.contrib.auth import views as auth_views
from django.urls import path

from . import team, views

app_name = "web"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("switch-store/", views.switch_store, name="switch-store"),
    path("", views.overview, name="overview"),
    path("team/", team.team, name="team"),
    path("team/invite/", team.invite, name="team-invite"),
    path("team/members/<int:membership_id>/role/", team.change_role, name="team-role"),
    path("team/members/<int:membership_id>/remove/", team.remove_member, name="team-remove"),
    path("team/invitations/<int:invitation_id>/resend/", team.resend_invitation, name="team-resend"),
    path("team/invitations/<int:invitation_id>/revoke/", team.revoke_invitation, name="team-revoke"),
    path("audit-log/", team.audit_log, name="audit-log"),
    path("invitations/<str:token>/", team.invitation, name="invitation"),
]
