"""Survey pages: public pages customers reach (public.py) and staff pages (staff*.py, sending.py)."""

from .logo import survey_logo
from .preview import preview_document
from .public import answer, answer_thanks, web_answer, web_thanks
from .sending import invitation_list, send_detail, survey_send
from .staff import (
    survey_activate,
    survey_close,
    survey_create,
    survey_detail,
    survey_edit,
    survey_list,
    survey_new,
    survey_preview,
)
from .staff_results import (
    kind_comments,
    kind_export,
    kind_results,
    survey_comments,
    survey_export,
    survey_results,
)

__all__ = [
    "answer",
    "answer_thanks",
    "invitation_list",
    "kind_comments",
    "kind_export",
    "kind_results",
    "preview_document",
    "send_detail",
    "survey_activate",
    "survey_close",
    "survey_comments",
    "survey_create",
    "survey_detail",
    "survey_edit",
    "survey_export",
    "survey_list",
    "survey_logo",
    "survey_new",
    "survey_preview",
    "survey_results",
    "survey_send",
    "web_answer",
    "web_thanks",
]
