"""What a request tells of its client, read one way everywhere (audit log, rate limits)."""

import ipaddress

from django.conf import settings


def client_ip(request) -> str | None:
    """The client's IP: REMOTE_ADDR, or the proxy's last X-Forwarded-For entry behind a proxy.

    X-Forwarded-For is read only with settings.CXLOOP_BEHIND_PROXY, and only
    its last entry, the one the proxy added: the entries before it are
    whatever the client sent. None when what is there is not an IP address.
    """
    address = request.META.get("REMOTE_ADDR", "")
    if getattr(settings, "CXLOOP_BEHIND_PROXY", False):
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if forwarded and forwarded[-1]:
            address = forwarded[-1]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None
