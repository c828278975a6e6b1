"""Signing in and resetting a forgotten password, with throttled guessing (web/throttling.py).

    GET/POST /login/                        sign in; 429 with Retry-After when throttled
    GET/POST /password-reset/               ask for a reset link (the same answer for any address)
    GET      /password-reset/sent/          "check your email"
    GET/POST /password-reset/<uid>/<token>/ choose a new password (Django's token generator)
    GET      /password-reset/done/          "your password was changed"

The reset link is built on CXLOOP_PUBLIC_URL, never on the request's Host
header, so a forged Host cannot send a victim a link to another site.
"""

import math

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.urls import reverse_lazy
from django.utils.translation import ngettext

from . import throttling


def wait_message(seconds: int) -> str:
    """'Try again in N seconds/minutes', in the reader's language."""
    if seconds < 60:
        return ngettext(
            "Too many attempts. Try again in %(count)d second.",
            "Too many attempts. Try again in %(count)d seconds.",
            seconds,
        ) % {"count": seconds}
    minutes = math.ceil(seconds / 60)
    return ngettext(
        "Too many attempts. Try again in %(count)d minute.",
        "Too many attempts. Try again in %(count)d minutes.",
        minutes,
    ) % {"count": minutes}


def throttled(view, refusal: throttling.Refusal, form):
    """The view's page again, answered 429 with Retry-After and a message saying when to retry."""
    response = view.render_to_response(
        view.get_context_data(form=form, throttled_message=wait_message(refusal.retry_after))
    )
    response.status_code = 429
    response["Retry-After"] = str(refusal.retry_after)
    return response


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        username = request.POST.get("username", "")
        refusal = throttling.check_sign_in(request, username)
        if refusal is not None:
            form = self.get_form_class()(request, initial={"username": username[:254]})
            return throttled(self, refusal, form)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        throttling.clear_account(form.get_user().get_username())
        return super().form_valid(form)

    def form_invalid(self, form):
        username = form.data.get("username", "")
        if username and form.data.get("password"):
            throttling.record_failure(username)
        else:
            throttling.end_turn(username)
        return super().form_invalid(form)


class ThrottledPasswordResetForm(PasswordResetForm):
    """Sends at most a few reset mails per address per hour; the page says the same either way."""

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email,
                  html_email_template_name=None):  # fmt: skip
        if throttling.may_send_reset_mail(to_email):
            super().send_mail(
                subject_template_name, email_template_name, context, from_email, to_email,
                html_email_template_name,
            )  # fmt: skip


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "web/password_reset_form.html"
    form_class = ThrottledPasswordResetForm
    email_template_name = "web/email/password_reset.txt"
    subject_template_name = "web/email/password_reset_subject.txt"
    success_url = reverse_lazy("web:password-reset-sent")

    def post(self, request, *args, **kwargs):
        refusal = throttling.check_reset_request(request)
        if refusal is not None:
            return throttled(self, refusal, self.get_form_class()())
        return super().post(request, *args, **kwargs)

    @property
    def extra_email_context(self):
        return {"public_url": settings.CXLOOP_PUBLIC_URL}


class PasswordResetSentView(auth_views.PasswordResetDoneView):
    template_name = "web/password_reset_sent.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "web/password_reset_confirm.html"
    success_url = reverse_lazy("web:password-reset-complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        # The owner proved they read the account's mailbox: earlier wrong guesses no longer slow them.
        throttling.clear_account(form.user.get_username())
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "web/password_reset_complete.html"
