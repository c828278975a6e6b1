from django.urls import path

from . import views, views_categories

app_name = "helpcenter"
urlpatterns = [
    path("", views.article_list, name="articles"),
    path("report/", views.report, name="report"),
    path("from-template/", views.article_from_template, name="article-from-template"),
    path("categories/", views_categories.category_list, name="categories"),
    path("categories/<id:category_id>/", views_categories.category_detail, name="category"),
    path("categories/<id:category_id>/move/", views_categories.category_move, name="category-move"),
    path("categories/<id:category_id>/delete/", views_categories.category_delete, name="category-delete"),
    path("<id:article_id>/", views.article_detail, name="article"),
    path("<id:article_id>/delete/", views.article_delete, name="article-delete"),
]
