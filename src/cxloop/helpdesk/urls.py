from django.urls import path

from . import views, views_actions, views_mailboxes

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
    # Store actions from a conversation's sidebar, and who may take them (docs/store-actions.md)
    path("<int:conversation_id>/actions/refund", views_actions.post_refund, name="action-refund"),
    path("<int:conversation_id>/actions/cancel", views_actions.post_cancel, name="action-cancel"),
    path("<int:conversation_id>/actions/discount", views_actions.post_discount, name="action-discount"),
    path("<int:conversation_id>/actions/gift-card", views_actions.post_gift_card, name="action-gift-card"),
    path(
        "<int:conversation_id>/actions/draft-order", views_actions.post_draft_order, name="action-draft-order"
    ),
    path("actions/", views_actions.action_settings, name="action-settings"),
]
