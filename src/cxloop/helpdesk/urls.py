from django.urls import path

from . import (
    views,
    views_actions,
    views_canned,
    views_mailboxes,
    views_reply,
    views_reports,
    views_rules,
    views_sla,
    views_teams,
    views_transfer,
)

app_name = "helpdesk"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:conversation_id>/", views.conversation_detail, name="conversation"),
    path("<int:conversation_id>/reply", views_reply.post_reply, name="reply"),
    path("<int:conversation_id>/note", views_reply.post_note, name="note"),
    path("<int:conversation_id>/status", views.post_status, name="status"),
    path("<int:conversation_id>/properties", views.post_properties, name="properties"),
    path("<int:conversation_id>/merge", views.post_merge, name="merge"),
    path("<int:conversation_id>/transfer", views_transfer.post_transfer, name="transfer"),
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
    # Teams, agents and routing (docs/helpdesk-routing.md)
    path("teams/", views_teams.team_list, name="team-list"),
    path("teams/<int:team_id>/", views_teams.team_update, name="team-update"),
    path("teams/<int:team_id>/delete/", views_teams.team_delete, name="team-delete"),
    path("teams/<int:team_id>/members/", views_teams.team_members, name="team-members"),
    path("teams/routing/", views_teams.routing_settings, name="routing-settings"),
    path("agents/<int:agent_id>/", views_teams.agent_update, name="agent-update"),
    path("availability/", views_teams.availability, name="availability"),
    # Canned replies, macros (owners and admins manage them) and the inbox's bulk actions
    path("canned/", views_canned.canned_list, name="canned-list"),
    path("canned/<id:canned_id>/", views_canned.canned_detail, name="canned-detail"),
    path("canned/<id:canned_id>/delete/", views_canned.canned_delete, name="canned-delete"),
    path("<int:conversation_id>/canned/<id:canned_id>", views_canned.canned_render, name="canned-render"),
    path("macros/", views_canned.macro_list, name="macro-list"),
    path("macros/<id:macro_id>/", views_canned.macro_detail, name="macro-detail"),
    path("macros/<id:macro_id>/delete/", views_canned.macro_delete, name="macro-delete"),
    path("<int:conversation_id>/macro", views_canned.macro_apply, name="macro-apply"),
    path("bulk", views_canned.inbox_bulk, name="bulk"),
    # Reports (every member of the store)
    path("reports/", views_reports.reports, name="reports"),
    path("reports/<slug:table>.csv", views_reports.report_csv, name="report-csv"),
    # Automation rules (owners and admins)
    path("rules/", views_rules.rule_list, name="rule-list"),
    path("rules/new/", views_rules.rule_new, name="rule-new"),
    path("rules/<id:rule_id>/", views_rules.rule_detail, name="rule-detail"),
    path("rules/<id:rule_id>/move/", views_rules.rule_move, name="rule-move"),
    path("rules/<id:rule_id>/enabled/", views_rules.rule_enabled, name="rule-enabled"),
    path("rules/<id:rule_id>/delete/", views_rules.rule_delete, name="rule-delete"),
    # Store actions from a conversation's sidebar, and who may take them (docs/store-actions.md)
    path("<int:conversation_id>/actions/refund", views_actions.post_refund, name="action-refund"),
    path("<int:conversation_id>/actions/cancel", views_actions.post_cancel, name="action-cancel"),
    path("<int:conversation_id>/actions/discount", views_actions.post_discount, name="action-discount"),
    path("<int:conversation_id>/actions/gift-card", views_actions.post_gift_card, name="action-gift-card"),
    path(
        "<int:conversation_id>/actions/draft-order", views_actions.post_draft_order, name="action-draft-order"
    ),
    path("actions/", views_actions.action_settings, name="action-settings"),
    # Help-desk settings and SLA policies (owners and admins)
    path("settings/", views_sla.desk_settings, name="settings"),
    path("sla/", views_sla.policy_list, name="sla-policy-list"),
    path("sla/<id:policy_id>/", views_sla.policy_detail, name="sla-policy-detail"),
    path("sla/<id:policy_id>/delete/", views_sla.policy_delete, name="sla-policy-delete"),
]
