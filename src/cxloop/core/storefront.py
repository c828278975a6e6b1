"""The storefront snippet a store pastes into its shop's pages, with its publishable key.

    <script src="https://cx.example.com/static/cxloop/cxloop.js" data-key="cxpk_..."
            data-endpoint="https://cx.example.com/api/v1/events" async></script>

A store's contact form (the help desk's public page) opens from the
storefront through the same script, from a link that works without it too::

    <a href="https://cx.example.com/contact/<store slug>/" data-cxloop-contact>Contact us</a>

Addresses are built on CXLOOP_PUBLIC_URL (the address customers reach), never
on a request's Host. A store without a readable publishable key gets the
placeholder YOUR_PUBLISHABLE_KEY.
"""

from html import escape

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from .models import ApiKey

KEY_PLACEHOLDER = "YOUR_PUBLISHABLE_KEY"
EVENTS_PATH = "/api/v1/events"


def public_address(path: str) -> str:
    """`path` on the address customers use (a STATIC_URL that is already absolute stays as it is)."""
    if path.startswith(("https://", "http://")):
        return path
    return f"{settings.CXLOOP_PUBLIC_URL}{path}"


def build_storefront_snippet(key: ApiKey | None) -> str:
    """The <script> tag that loads cxloop.js with the store's publishable key.

    Plain text (not marked safe): pages show it escaped, as code to copy.
    """
    src = public_address(settings.STATIC_URL + "cxloop/cxloop.js")
    value = key.public_key if key is not None and key.public_key else KEY_PLACEHOLDER
    endpoint = public_address(EVENTS_PATH)
    return (
        f'<script src="{escape(src)}" data-key="{escape(value)}" '
        f'data-endpoint="{escape(endpoint)}" async></script>'
    )


def contact_form_address(store) -> str:
    """The public address of the store's contact form (a page of its own, or framed with ?embed=1)."""
    return public_address(reverse("helpdesk-public:contact-form", args=[store.slug]))


def build_contact_snippet(store, key: ApiKey | None) -> str:
    """The storefront snippet and a link that opens the contact form in the storefront's panel.

    The link's text is in the active language, for the owner to change. Plain text, like the snippet.
    """
    link = (
        f'<a href="{escape(contact_form_address(store))}" data-cxloop-contact>{escape(_("Contact us"))}</a>'
    )
    return f"{build_storefront_snippet(key)}\n{link}"
