from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "cxloop.chat"
    label = "chat"
    verbose_name = "Live chat"

    def ready(self):
        from cxloop.helpdesk import live_channels
        from cxloop.helpdesk.models import Channel

        from . import agent_panels, services, transfers

        live_channels.register(
            Channel.CHAT,
            is_present=services.is_present,
            deliver=services.deliver_reply,
            panel=agent_panels.visitor_panel,
            inbox_html=agent_panels.live_inbox_script,
            transferring=transfers.record_transfer,
            transferred=transfers.announce_transfer,
        )
