"""Staff pages of messaging: the store's contact-pressure policy."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cxloop.core.models import Membership
from cxloop.core.roles import check_role
from cxloop.web.access import store_required

from . import queries, services
from .models import ContactPolicy

AUDIENCE_HELP = {
    ContactPolicy.Audience.OPTED_IN: gettext_lazy(
        "Email only customers who said yes to marketing email. The safest choice, and the rule in the "
        "EU when you have no other legal basis."
    ),
    ContactPolicy.Audience.NOT_OPTED_OUT: gettext_lazy(
        "Also email customers who never said yes or no, as long as they have not unsubscribed. More "
        "answers; check that your privacy policy and local law allow it."
    ),
}


class ContactPolicyForm(forms.Form):
    survey_window_days = forms.IntegerField(
        label=gettext_lazy("At most one survey per customer every (days)"),
        min_value=1,
        max_value=365,
        help_text=gettext_lazy("Across all surveys. 90 days is a common choice; 1 to 365."),
    )
    survey_audience = forms.ChoiceField(
        label=gettext_lazy("Who may get surveys"),
        choices=ContactPolicy.Audience.choices,
        widget=forms.RadioSelect,
    )


@store_required
def contact_policy(request):
    """Show and change how often, and whom, the store may email unasked."""
    check_role(request, Membership.Role.ADMIN)
    policy = queries.get_contact_policy(request.store)
    initial = {"survey_window_days": policy.survey_window_days, "survey_audience": policy.survey_audience}
    form = ContactPolicyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.set_contact_policy(store=request.store, **form.cleaned_data)
        messages.success(request, _("The contact policy was saved."))
        return redirect("flows:policy")
    choices = [
        {"widget": choice, "help": AUDIENCE_HELP[choice.data["value"]]} for choice in form["survey_audience"]
    ]
    return render(
        request,
        "flows/policy_form.html",
        {"section": "surveys", "form": form, "audience_choices": choices, "policy": policy},
        status=422 if request.method == "POST" else 200,
    )
