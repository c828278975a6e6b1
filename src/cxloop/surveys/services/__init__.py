"""The verbs of surveys. Each module holds one topic; import from here."""

from .batches import deliver_invitations
from .delivery import deliver_invitation, requeue_stranded_invitations, resume_interrupted_send
from .followup import follow_up_low_score
from .invitations import (
    InviteSummary,
    invite_after_conversation,
    invite_customer,
    invite_customers,
    schedule_order_invitations,
)
from .responses import Answer, clean_answer, record_invitation_answer, record_web_answer
from .surveys import activate_survey, close_survey, create_survey, set_questions, update_survey

__all__ = [
    "Answer",
    "InviteSummary",
    "activate_survey",
    "clean_answer",
    "close_survey",
    "create_survey",
    "deliver_invitation",
    "deliver_invitations",
    "follow_up_low_score",
    "invite_after_conversation",
    "invite_customer",
    "invite_customers",
    "record_invitation_answer",
    "record_web_answer",
    "requeue_stranded_invitations",
    "resume_interrupted_send",
    "schedule_order_invitations",
    "set_questions",
    "update_survey",
]
