from django.urls import path

from . import views

app_name = "hooks"
urlpatterns = [
    path("settings/webhooks/", views.endpoint_list, name="endpoint-list"),
    path("settings/webhooks/<id:endpoint_id>/", views.endpoint_detail, name="endpoint-detail"),
    path("settings/webhooks/<id:endpoint_id>/rotate/", views.endpoint_rotate, name="endpoint-rotate"),
    path("settings/webhooks/<id:endpoint_id>/active/", views.endpoint_active, name="endpoint-active"),
    path("settings/webhooks/<id:endpoint_id>/test/", views.endpoint_test, name="endpoint-test"),
    path("settings/webhooks/<id:endpoint_id>/delete/", views.endpoint_delete, name="endpoint-delete"),
    path(
        "settings/webhooks/deliveries/<id:delivery_id>/redeliver/",
        views.delivery_redeliver,
        name="delivery-redeliver",
    ),
]
