from django.urls import path

from . import views, views_mailboxes, views_rules

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
    # Automation rules (owners and admins)
    path("rules/", views_rules.rule_list, name="rule-list"),
    path("rules/new/", views_rules.rule_new, name="rule-new"),
    path("rules/<id:rule_id>/", views_rules.rule_detail, name="rule-detail"),
    path("rules/<id:rule_id>/move/", views_rules.rule_move, name="rule-move"),
    path("rules/<id:rule_id>/enabled/", views_rules.rule_enabled, name="rule-enabled"),
    path("rules/<id:rule_id>/delete/", views_rules.rule_delete, name="rule-delete"),
]
