from django.urls import path

from . import views, views_clusters, views_predictions

app_name = "segments"
urlpatterns = [
    path("", views.segment_list, name="segment-list"),
    path("new/", views.segment_new, name="segment-new"),
    path("preview/", views.segment_preview, name="segment-preview"),
    path("clusters/", views_clusters.customer_clusters, name="customer-clusters"),
    path("predictions/", views_predictions.prediction_report, name="predictions"),
    path("predictions/holdout-check.csv", views_predictions.calibration_csv, name="predictions-csv"),
    path("<id:segment_id>/", views.segment_detail, name="segment-detail"),
    path("<id:segment_id>/delete/", views.segment_delete, name="segment-delete"),
    path("<id:segment_id>/export/", views.segment_export, name="segment-export"),
]
