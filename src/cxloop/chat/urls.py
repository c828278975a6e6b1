"""The widget's endpoints (namespace "chat"); the sockets are routed in cxloop/asgi.py."""

from django.urls import path

from . import verify_views, views

app_name = "chat"
urlpatterns = [
    path("chat/<str:store_slug>/start", views.start, name="start"),
    path("chat/<str:store_slug>/messages", views.messages, name="messages"),
    path("chat/<str:store_slug>/contact", views.contact, name="contact"),
    path("chat/<str:store_slug>/seen", views.seen, name="seen"),
    path("chat/<str:store_slug>/suggest", views.suggest, name="suggest"),
    path("chat/<str:store_slug>/deflected", views.deflected, name="deflected"),
    path("chat/<str:store_slug>/order", views.order, name="order"),
    path("chat/<str:store_slug>/flow", views.flow, name="flow"),
    path("chat/<str:store_slug>/attachments", views.upload, name="upload"),
    path("chat/<str:store_slug>/attachments/<str:attachment_id>", views.attachment, name="attachment"),
    path("chat/<str:store_slug>/preview/", views.preview, name="preview"),
    path("chat/<str:store_slug>/verify/<str:token>/", verify_views.verify_email, name="verify"),
]
