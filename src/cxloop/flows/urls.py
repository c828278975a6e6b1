from django.urls import path

from . import views

app_name = "flows"
urlpatterns = [
    path("u/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
