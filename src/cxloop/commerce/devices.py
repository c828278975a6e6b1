"""The shopper's device class, from the User-Agent of the request that carried a storefront event.

    device_class("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) ...")  # "mobile"

The parsing is ua-parser's (the uap-core rules, kept up to date in `ua-parser-builtins`), not
ours. Its device family tells a crawler ("Spider") and the usual tablets (iPad, Kindle, the
generic tablets); its operating system tells a phone's from a computer's. An Android browser
without "Mobile" in its user agent is a tablet: the convention Android's browsers follow. An
iPad that asks for the desktop site (Safari's default since iPadOS 13) says it is a Mac and is
counted as a desktop: nothing in its request tells otherwise.

A User-Agent is whatever the client sends: the class only ever describes the events of that
request, and is never used to change anything else.
"""

from functools import lru_cache

from ua_parser import Domain
from ua_parser import parser as _parser

MOBILE, TABLET, DESKTOP, BOT, UNKNOWN = "mobile", "tablet", "desktop", "bot", ""
CLASSES = (MOBILE, TABLET, DESKTOP, BOT, UNKNOWN)
MAX_USER_AGENT = 1000  # longer headers are not a browser's; not worth a parse
TABLET_FAMILIES = frozenset({"iPad", "Kindle", "Generic Tablet", "Nexus 7", "Nexus 9", "Nexus 10"})
MOBILE_FAMILIES = frozenset({"iPhone", "iPod", "Generic Smartphone", "Generic Feature Phone"})
MOBILE_SYSTEMS = frozenset({
    "iOS", "Android", "Windows Phone", "BlackBerry OS", "KaiOS", "Firefox OS", "Symbian OS", "Tizen",
    "HarmonyOS",
})  # fmt: skip
DESKTOP_SYSTEMS = frozenset({
    "Windows", "Mac OS X", "Linux", "Ubuntu", "Fedora", "Debian", "Chrome OS", "FreeBSD", "OpenBSD",
    "NetBSD",
})  # fmt: skip


def device_class(user_agent: str | None) -> str:
    """ "mobile", "tablet", "desktop", "bot" (a crawler), or "" when the User-Agent tells none."""
    if not user_agent or len(user_agent) > MAX_USER_AGENT:
        return UNKNOWN
    return _classify(user_agent)


@lru_cache(maxsize=4096)  # a storefront's shoppers send few distinct user agents: one parse each
def _classify(user_agent: str) -> str:
    result = _parser(user_agent, Domain.DEVICE | Domain.OS)
    family = result.device.family if result.device else "Other"
    system = result.os.family if result.os else "Other"
    if family == "Spider":
        return BOT
    if family in TABLET_FAMILIES or "Tablet" in family:
        return TABLET
    if system == "Android" and "Mobile" not in user_agent:
        return TABLET
    if system in MOBILE_SYSTEMS or family in MOBILE_FAMILIES:
        return MOBILE
    if system in DESKTOP_SYSTEMS or system.startswith("Windows"):
        return DESKTOP
    return UNKNOWN
