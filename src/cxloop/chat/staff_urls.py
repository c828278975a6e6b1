from django.urls import path

from . import staff_views

app_name = "chat-staff"
urlpatterns = [
    path("", staff_views.chat_settings, name="settings"),
    path("flows/<id:flow_id>/delete/", staff_views.flow_delete, name="flow-delete"),
]
