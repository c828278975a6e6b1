"""What an action returns, and how it fails: in words a store owner understands."""

from dataclasses import asdict, dataclass, field, replace
from decimal import Decimal

from cxloop.core.errors import DomainError


class ActionError(DomainError):
    """The platform did not do it (or cxloop would not ask): `message` says why, in plain words.

    `definite` is False when the outcome is unknown (a timeout, a 5xx): the
    platform may have done it, so a retry must repeat the same idempotency
    key. `partial` keeps what was done before the failure (a draft order
    created, its invoice not sent), so a retry with the same key goes on
    from there.
    """

    status = 422
    code = "action_failed"

    def __init__(self, message: str, *, code: str | None = None, definite: bool = True, partial=None):
        super().__init__(message, code=code)
        self.definite = definite
        self.partial = dict(partial or {})


class ActionInProgress(ActionError):
    status = 409
    code = "in_progress"


class NotConnected(ActionError):
    status = 409
    code = "not_connected"


class PlatformUnavailable(ActionError):
    status = 502
    code = "platform_unavailable"


@dataclass(frozen=True)
class ActionResult:
    """A finished action: the platform's ids, amounts, and one sentence for people.

    `replayed` is True when the same idempotency key was used before and this
    is that first result, the platform not being asked again.
    """

    ok: bool
    kind: str
    platform: str
    summary: str
    platform_ids: dict[str, str] = field(default_factory=dict)
    amount: Decimal | None = None
    currency: str = ""
    code: str = ""
    invoice_url: str = ""
    action_id: int | None = None
    replayed: bool = False

    def as_json(self) -> dict:
        data = asdict(self)
        data["amount"] = None if self.amount is None else str(self.amount)
        data.pop("replayed")
        data.pop("action_id")
        return data

    @classmethod
    def from_json(cls, data: dict, *, action_id: int, replayed: bool) -> "ActionResult":
        amount = data.get("amount")
        return cls(
            **{**data, "amount": None if amount is None else Decimal(amount)},
            action_id=action_id,
            replayed=replayed,
        )

    def with_action(self, action_id: int) -> "ActionResult":
        return replace(self, action_id=action_id)
