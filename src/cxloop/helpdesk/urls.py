from django.urls import path

from . import views_mailboxes

app_name = "helpdesk"
urlpatterns = [
    # Support mailboxes read by IMAP (owners and admins)
    path("mailboxes/", views_mailboxes.mailbox_list, name="mailbox-list"),
    path("mailboxes/<id:mailbox_id>/", views_mailboxes.mailbox_detail, name="mailbox-detail"),
    path("mailboxes/<id:mailbox_id>/test/", views_mailboxes.mailbox_test, name="mailbox-test"),
    path("mailboxes/<id:mailbox_id>/enabled/", views_mailboxes.mailbox_enabled, name="mailbox-enabled"),
]
