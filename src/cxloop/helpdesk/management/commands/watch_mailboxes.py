"""`cxloop watch_mailboxes`: read support mailboxes as mail arrives (IMAP IDLE), beside `cxloop worker`."""

import threading

from django.core.management.base import BaseCommand

from ...tasks import deliver_to_inbox
from ...watching import watch_enabled_mailboxes


class Command(BaseCommand):
    help = "Watch every enabled support mailbox with IMAP IDLE; the worker's poll covers servers without it."

    def handle(self, *args, **options):
        self.stdout.write("Watching enabled mailboxes (Ctrl-C stops).")
        try:
            watch_enabled_mailboxes(deliver_to_inbox, stop=threading.Event())
        except KeyboardInterrupt:
            self.stdout.write("Stopped.")
