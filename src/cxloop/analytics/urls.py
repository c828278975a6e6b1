from django.urls import path

from . import views, views_products

app_name = "analytics"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("revenue.csv", views.dashboard_csv, name="dashboard-csv"),
    path("paths.csv", views.paths_csv, name="paths-csv"),
    path("help-desk.csv", views.support_csv, name="support-csv"),
    path("sync/", views.sync_now, name="sync-now"),
    path("products.csv", views_products.products_csv, name="products-csv"),
]
