import pytest

from cxloop.core.errors import InvalidInput
from cxloop.flows import services
from cxloop.flows.models import ContactPolicy


@pytest.mark.parametrize(("days", "audience"), [(0, "opted_in"), (366, "opted_in"), (True, "opted_in"),
                                                ("90", "opted_in"), (90, "everyone")])  # fmt: skip
def test_a_bad_policy_is_refused_and_nothing_changes(store, days, audience):
    with pytest.raises(InvalidInput):
        services.set_contact_policy(store=store, survey_window_days=days, survey_audience=audience)
    assert not ContactPolicy.objects.filter(store=store).exists()


def test_a_policy_change_is_kept(store):
    services.set_contact_policy(store=store, survey_window_days=30, survey_audience="not_opted_out")
    policy = ContactPolicy.objects.get(store=store)
    assert (policy.survey_window_days, policy.survey_audience) == (30, "not_opted_out")
