from django.urls import path

from . import views

app_name = "helpcenter"
urlpatterns = [
    path("", views.article_list, name="articles"),
    path("report/", views.report, name="report"),
    path("from-template/", views.article_from_template, name="article-from-template"),
    path("<id:article_id>/", views.article_detail, name="article"),
    path("<id:article_id>/delete/", views.article_delete, name="article-delete"),
]
