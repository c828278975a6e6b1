from django.urls import path

from . import views

app_name = "surveys"
urlpatterns = [
    path("s/w/<slug:public_id>/", views.web_answer, name="web-answer"),
    path("s/w/<slug:public_id>/thanks/", views.web_thanks, name="web-thanks"),
    path("s/<str:token>/", views.answer, name="answer"),
    path("s/<str:token>/thanks/", views.answer_thanks, name="answer-thanks"),
    path("survey-logos/<slug:public_id>/", views.survey_logo, name="logo"),
    path("surveys/", views.survey_list, name="survey-list"),
    path("surveys/new/", views.survey_new, name="survey-new"),
    path("surveys/new/<str:kind>/", views.survey_create, name="survey-create"),
    path("surveys/new/<str:kind>/preview/", views.survey_preview, name="survey-create-preview"),
    path("surveys/previews/<str:key>/<str:part>/", views.preview_document, name="preview-document"),
    path("surveys/<id:survey_id>/", views.survey_detail, name="survey-detail"),
    path("surveys/<id:survey_id>/edit/", views.survey_edit, name="survey-edit"),
    path("surveys/<id:survey_id>/preview/", views.survey_preview, name="survey-preview"),
    path("surveys/<id:survey_id>/activate/", views.survey_activate, name="survey-activate"),
    path("surveys/<id:survey_id>/close/", views.survey_close, name="survey-close"),
    path("surveys/<id:survey_id>/send/", views.survey_send, name="survey-send"),
    path("surveys/<id:survey_id>/sends/<id:send_id>/", views.send_detail, name="send-detail"),
    path("surveys/<id:survey_id>/invitations/", views.invitation_list, name="invitation-list"),
    path("surveys/<id:survey_id>/results/", views.survey_results, name="survey-results"),
    path("surveys/<id:survey_id>/comments/", views.survey_comments, name="survey-comments"),
    path("surveys/<id:survey_id>/responses.csv", views.survey_export, name="survey-export"),
    path("surveys/results/<str:kind>/", views.kind_results, name="kind-results"),
    path("surveys/results/<str:kind>/comments/", views.kind_comments, name="kind-comments"),
    path("surveys/results/<str:kind>/responses.csv", views.kind_export, name="kind-export"),
]
