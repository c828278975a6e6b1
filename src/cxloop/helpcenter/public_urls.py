"""The help centre's public pages (namespace "helpcenter-public")."""

from django.urls import path

from . import public_views

app_name = "helpcenter-public"
urlpatterns = [
    path("help/<str:store_slug>/", public_views.index, name="index"),
    path("help/<str:store_slug>/search/", public_views.search, name="search"),
    path("help/<str:store_slug>/sitemap.xml", public_views.sitemap, name="sitemap"),
    path("help/<str:store_slug>/category/<str:category_slug>/", public_views.category, name="category"),
    path("help/<str:store_slug>/<str:article_slug>/", public_views.article, name="article"),
    path("help/<str:store_slug>/<str:article_slug>/feedback/", public_views.feedback, name="feedback"),
]
