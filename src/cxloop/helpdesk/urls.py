from django.urls import path

from . import views, views_mailboxes, views_sla

app_name = "helpdesk"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:conversation_id>/", views.conversation_detail, name="conversation"),
    path("<int:conversation_id>/reply", views.post_reply, name="reply"),
    path("<int:conversation_id>/note", views.post_note, name="note"),
    path("<int:conversation_id>/status", views.post_status, name="status"),
    path("<int:conversation_id>/properties", views.post_properties, name="properties"),
    path("<int:conversation_id>/merge", views.post_merge, name="merge"),
    path("<int:conversation_id>/presence", views.presence, name="presence"),
    path("<int:conversation_id>/messages/<int:message_id>/html", views.message_html, name="message-html"),
    path(
        "<int:conversation_id>/attachments/<int:attachment_id>", views.attachment_download, name="attachment"
    ),
    # Support mailboxes read by IMAP (owners and admins)
    path("mailboxes/", views_mailboxes.mailbox_list, name="mailbox-list"),
    path("mailboxes/<id:mailbox_id>/", views_mailboxes.mailbox_detail, name="mailbox-detail"),
    path("mailboxes/<id:mailbox_id>/test/", views_mailboxes.mailbox_test, name="mailbox-test"),
    path("mailboxes/<id:mailbox_id>/enabled/", views_mailboxes.mailbox_enabled, name="mailbox-enabled"),
    # Help-desk settings and SLA policies (owners and admins)
    path("settings/", views_sla.desk_settings, name="settings"),
    path("sla/", views_sla.policy_list, name="sla-policy-list"),
    path("sla/<id:policy_id>/", views_sla.policy_detail, name="sla-policy-detail"),
    path("sla/<id:policy_id>/delete/", views_sla.policy_delete, name="sla-policy-delete"),
]
