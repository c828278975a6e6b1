"""The help desk's public pages, reached by customers without signing in (namespace "helpdesk-public")."""

from django.urls import path

from .contact import views as contact

app_name = "helpdesk-public"
urlpatterns = [
    path("contact/<str:store_slug>/", contact.contact_form, name="contact-form"),
    path("contact/<str:store_slug>/thanks/", contact.contact_thanks, name="contact-thanks"),
]
