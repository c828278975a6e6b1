"""Rows of the team for tests: another store's member, pending invitation and API key."""

from datetime import timedelta

from django.utils import timezone

from cxloop.core.models import ApiKey, MemberInvitation, Membership, Store
from cxloop.testing.fixtures import make_staff


def make_foreign_objects(store: Store) -> dict:
    """Ids the cross-store sweep fills into team routes, all belonging to `store`."""
    agent = make_staff(store, Membership.Role.AGENT, email=f"sweep-agent@{store.slug}.test")
    now = timezone.now()
    invitation = MemberInvitation.objects.create(
        store=store, email="canary-invitee@example.com", role=Membership.Role.AGENT, nonce_hash="0" * 64,
        sent_at=now, expires_at=now + timedelta(hours=72),
    )  # fmt: skip
    membership = Membership.objects.get(user=agent, store=store)
    return {
        "store_id": store.pk,
        "member_id": membership.pk,
        "membership_id": membership.pk,
        "invitation_id": invitation.pk,
        "key_id": ApiKey.objects.filter(store=store).first().pk,
    }
