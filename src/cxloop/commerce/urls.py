from django.urls import path

from . import views

app_name = "commerce"
urlpatterns = [
    path("customers/", views.customer_list, name="customer-list"),
    path("customers/<id:customer_id>/", views.customer_detail, name="customer-detail"),
    path("orders/", views.order_list, name="order-list"),
    path("orders/<id:order_id>/", views.order_detail, name="order-detail"),
    path("integrations/", views.integrations, name="integrations"),
    path(
        "integrations/<str:platform>/secret/",
        views.set_webhook_secret,
        name="integrations-secret",
    ),
    path("integrations/storefront/", views.set_storefront_origins, name="integrations-storefront"),
    path(
        "integrations/<str:platform>/connection/",
        views.set_platform_connection,
        name="integrations-connection",
    ),
    path("integrations/api-keys/", views.create_api_key, name="integrations-api-key"),
    path(
        "integrations/identity-secret/<id:store_id>/rotate/",
        views.rotate_identity_secret,
        name="integrations-identity-rotate",
    ),
    path(
        "integrations/api-keys/<id:key_id>/revoke/",
        views.revoke_api_key,
        name="integrations-api-key-revoke",
    ),
    path(
        "integrations/api-keys/<id:key_id>/rotate/",
        views.rotate_api_key,
        name="integrations-api-key-rotate",
    ),
    path("import/", views.csv_import, name="import"),
    path("import/<id:job_id>/", views.import_job, name="import-job"),
    path("import/<id:job_id>/resume/", views.resume_import, name="import-resume"),
    path("customers/<id:customer_id>/export/", views.customer_export, name="customer-export"),
]
