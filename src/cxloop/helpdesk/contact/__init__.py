"""The contact form: a public page per store that customers write to the help desk from.

    /contact/<store slug>/             the form (`?lang=fa`, `?embed=1` in the storefront's iframe)
    /contact/<store slug>/thanks/      "We received your message"

The page holds no session and sets no cookie (see views.py for CSRF and
framing); spam is kept out without a third-party captcha (form.py); a
message sent is taken by the help desk's intake once per form load and
acknowledged by email in the customer's language (services.py, emails.py).
"""
