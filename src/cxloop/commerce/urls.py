from django.urls import path

app_name = "commerce"
urlpatterns: list = [path]  # staff pages are added with the staff UI
urlpatterns = []
