from django.apps import AppConfig


class SegmentsConfig(AppConfig):
    name = "cxloop.segments"
    label = "segments"
    verbose_name = "Segments"
