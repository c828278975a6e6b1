"""Reads of the help desk, scoped to one store."""

from django.http import Http404
from django.utils.translation import gettext as _

from cxloop.core.models import Store

from .models import Mailbox


def list_mailboxes(store: Store):
    """The store's mailboxes, by address."""
    return Mailbox.objects.filter(store=store).order_by("address", "pk")


def get_mailbox(store: Store, mailbox_id: int) -> Mailbox:
    """One mailbox of the store; Http404 for another store's id."""
    mailbox = Mailbox.objects.filter(store=store, pk=mailbox_id).select_related("store").first()
    if mailbox is None:
        raise Http404(_("No such mailbox."))
    return mailbox
