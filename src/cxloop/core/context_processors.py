from django.conf import settings
from django.utils import translation

from . import formats, queries


def calendar(request):
    """The reader's calendar where there is a choice (Persian pages): "jalali" or "gregorian"."""
    language = translation.get_language() or ""
    if language.split("-")[0] not in formats.JALALI_LANGUAGES:
        return {"calendar_choice": ""}
    return {"calendar_choice": formats.calendar_for(language)}


def current_store(request):
    """Give every page the current store and the user's other stores."""
    store = getattr(request, "store", None)
    if store is None:
        return {"current_store": None, "my_memberships": []}
    return {
        "dev_outbox": bool(settings.DEBUG or getattr(settings, "CXLOOP_DEV_OUTBOX", False)),
        "current_store": store,
        "current_role": request.membership.role,
        "my_memberships": queries.list_memberships(request.user),
    }
