from django.urls import path

from . import views, views_staff

app_name = "flows"
urlpatterns = [
    path("u/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("settings/contact-policy/", views_staff.contact_policy, name="policy"),
]
