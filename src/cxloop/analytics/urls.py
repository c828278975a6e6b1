from django.urls import path

from . import views, views_cohorts, views_funnels, views_products, views_retention, views_tables

app_name = "analytics"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("revenue.csv", views.dashboard_csv, name="dashboard-csv"),
    path("paths.csv", views.paths_csv, name="paths-csv"),
    path("help-desk.csv", views.support_csv, name="support-csv"),
    path("cohorts.csv", views_cohorts.cohorts_csv, name="cohorts-csv"),
    path("channels.csv", views_tables.channels_csv, name="channels-csv"),
    path("satisfaction.csv", views_tables.satisfaction_csv, name="satisfaction-csv"),
    path("promoters.csv", views_tables.voice_csv, name="voice-csv"),
    path("sync/", views.sync_now, name="sync-now"),
    path("funnel-by-day.csv", views_funnels.funnel_trend_csv, name="funnel-trend-csv"),
    path("funnel-by-channel.csv", views_funnels.funnel_groups_csv, name="funnel-groups-csv"),
    path("time-between-orders.csv", views_retention.order_gaps_csv, name="order-gaps-csv"),
    path("monthly-active.csv", views_retention.monthly_active_csv, name="monthly-active-csv"),
    path("products.csv", views_products.products_csv, name="products-csv"),
]
