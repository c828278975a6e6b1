"""Reply and note from the conversation page, with the files the agent attached.

    POST /helpdesk/<id>/reply   text, files (any number), seen_last_message_id, confirm
    POST /helpdesk/<id>/note    text, files

Files are checked and stored by the services (services.staff_files); a refused
one, or the question "someone wrote meanwhile" (409), renders the page again
with the draft and the error beside the form, and nothing is sent. The page's
script (reply-files.js) posts a form that has files as htmx would, asking for
the main column alone (`HX-Target: conversation-main`), so the files chosen
stay chosen while the agent reads the newer messages or removes the file
refused; a sent reply then answers 204 with HX-Redirect to the page.
"""

from django.contrib import messages as flash
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from cxloop.core.errors import DomainError
from cxloop.core.inputs import parse_db_id
from cxloop.web.access import wants_partial

from . import queries
from .services import conversations as services
from .services import staff_files
from .views import _back, _conversation_context, conversation_url, conversation_view

MAIN = "conversation-main"  # the page's main column: what the reply form's script swaps (reply-files.js)


def _compose(request, conversation, status: int, form: str, **extra):
    """The page again, for the agent to fix their reply or note: the draft and the error beside it.

    The reply form's script (posting files without leaving the page, so the chosen files stay
    chosen) asks for the main column alone.
    """
    template = "helpdesk/conversation.html"
    if wants_partial(request, MAIN):  # the script puts the files chosen back in the form
        template += "#main"
    else:  # a browser cannot be handed files back: the agent is asked to choose them again
        extra[f"{form}_files_lost"] = len(request.FILES.getlist(staff_files.FIELD))
    context = _conversation_context(request, conversation, **extra)
    return render(request, template, context, status=status)


def _sent(request, conversation):
    if wants_partial(request, MAIN):  # the script follows this to the page, as a redirect would
        return HttpResponse(status=204, headers={"HX-Redirect": conversation_url(conversation)})
    return _back(conversation)


@conversation_view("POST")
def post_reply(request, conversation):
    """Send a reply with its files; if someone else wrote since the page was loaded, ask first (409)."""
    text = request.POST.get("text", "")
    files = request.FILES.getlist(staff_files.FIELD)
    seen = parse_db_id(request.POST.get("seen_last_message_id"))
    if request.POST.get("confirm") != "1":
        newer = queries.list_newer_messages(conversation, seen, request.user)
        if newer:
            return _compose(request, conversation, 409, "reply", conflict=newer, draft=text)
    try:
        services.reply(conversation=conversation, author=request.user, text=text, files=files)
    except DomainError as error:
        return _compose(request, conversation, error.status, "reply", draft=text, reply_error=error.message)
    flash.success(request, _("Reply queued for sending."))
    return _sent(request, conversation)


@conversation_view("POST")
def post_note(request, conversation):
    text = request.POST.get("text", "")
    files = request.FILES.getlist(staff_files.FIELD)
    try:
        services.add_note(conversation=conversation, author=request.user, text=text, files=files)
    except DomainError as error:
        return _compose(
            request, conversation, error.status, "note", note_draft=text, note_error=error.message
        )
    return _sent(request, conversation)
