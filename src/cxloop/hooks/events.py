"""The events a store's webhook endpoints can subscribe to.

Each app names the events it publishes in its `AppConfig.ready()`::

    from cxloop.hooks.events import register_event
    register_event("conversation.created", _("A customer started a conversation."))

and later publishes them with `cxloop.hooks.services.publish`. A name is
lowercase words joined by dots; publishing a name nobody registered raises
`UnknownEvent`, so a typo fails in tests, not silently in production.
"""

import re
from dataclasses import dataclass

PING = "ping"
NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")


class UnknownEvent(LookupError):
    """An event name no app registered."""


@dataclass(frozen=True)
class Event:
    name: str
    description: str


_registry: dict[str, Event] = {}


def register_event(name: str, description) -> Event:
    """Register an event name (idempotent for the same name); `description` is shown to owners."""
    if not NAME.match(name) or len(name) > 100:
        raise ValueError(f"Not an event name: {name!r} (lowercase words joined by dots).")
    event = Event(name=name, description=description)
    _registry[name] = event
    return event


def get_event(name: str) -> Event:
    """The registered event of this name; raises UnknownEvent."""
    try:
        return _registry[name]
    except KeyError:
        raise UnknownEvent(f"No event {name!r} is registered.") from None


def list_events() -> list[Event]:
    """Every registered event, by name."""
    return sorted(_registry.values(), key=lambda event: event.name)


def is_registered(name: str) -> bool:
    return name in _registry
