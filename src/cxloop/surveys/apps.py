from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "cxloop.surveys"
    label = "surveys"
    verbose_name = "Surveys"

    def ready(self):
        from cxloop.flows import services as flows_services

        from .queries import get_invitation_recipient

        flows_services.register_recipient_lookup("survey-invitation", get_invitation_recipient)

        from .segment_fields import register_survey_fields

        register_survey_fields()  # last_nps_band, survey_answered in segment queries
