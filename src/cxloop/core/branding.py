"""How cxloop's public pages (surveys, the contact form) wear a store's brand colour, and who may frame them.

The brand colour reaches a page as one small `<style>` element,
`:root{--brand:#2563eb;--brand-ink:#fff;--brand-text:#2563eb}`, allowed by
its SHA-256 in the page's Content-Security-Policy (`page_csp`): no inline
style attributes, no 'unsafe-inline', and nothing but a checked #RRGGBB
colour is ever written into it. A page in widget mode (`embed`) may be
framed by the store's storefront origins, else by
settings.CXLOOP_WIDGET_FRAME_ANCESTORS; every other page by nobody.
"""

import base64
import hashlib
import re
from dataclasses import dataclass

from django.conf import settings

from .middleware import CSP

COLOR = re.compile(r"#[0-9a-fA-F]{6}")
DEFAULT_BRAND = "#2563eb"
DARK_INK = "#111827"


@dataclass(frozen=True)
class Brand:
    color: str
    css: str

    @property
    def csp_hash(self) -> str:
        digest = hashlib.sha256(self.css.encode()).digest()
        return "sha256-" + base64.b64encode(digest).decode()


def _luminance(color: str) -> float:
    channels = []
    for start in (1, 3, 5):
        value = int(color[start : start + 2], 16) / 255
        channels.append(value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4)
    red, green, blue = channels
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def build_brand(color: str) -> Brand:
    """The page's colours from the survey's brand colour: text on it, and a readable link colour."""
    color = color if isinstance(color, str) and COLOR.fullmatch(color) else DEFAULT_BRAND
    light = _luminance(color)
    on_white = 1.05 / (light + 0.05)
    on_dark = (light + 0.05) / (_luminance(DARK_INK) + 0.05)
    ink = "#ffffff" if on_white >= on_dark else DARK_INK
    text = color if on_white >= 4.5 else DARK_INK
    css = f":root{{--brand:{color};--brand-ink:{ink};--brand-text:{text}}}"
    return Brand(color=color.lower(), css=css)


def widget_frame_ancestors(store) -> str:
    """Who may frame the widget: the store's storefront origins, else the installation's setting."""
    origins = store.storefront_origin_list if store is not None else []
    return " ".join(origins) or settings.CXLOOP_WIDGET_FRAME_ANCESTORS


def page_csp(brand: Brand, *, embed: bool, store=None) -> str:
    """The site's policy, plus the page's brand <style> and, in widget mode, framing by storefronts."""
    directives = dict(part.split(" ", 1) for part in CSP.split("; "))
    directives["style-src"] = f"'self' '{brand.csp_hash}'"
    if embed:
        directives["frame-ancestors"] = widget_frame_ancestors(store)
    return "; ".join(f"{name} {value}" for name, value in directives.items())
