"""The invitation email's content: hostile names, colours, logos, scales of each kind."""

import pytest

from cxloop.core.models import Store
from cxloop.surveys import emails, services
from cxloop.surveys.models import Survey
from cxloop.surveys.services.branding import set_logo

from .factories import make_customer, make_survey

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def public_address(settings):
    settings.CXLOOP_PUBLIC_URL = "https://cx.example.com"


def send(task_worker, smtp_server, survey, customer):
    with task_worker.committing():
        services.invite_customer(survey=survey, customer=customer)
    task_worker.run_ready()
    [received] = smtp_server.received
    return received


def parts(message) -> tuple[str, str]:
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    html = message.get_body(("html",)).get_content().replace("\r\n", "\n")
    return text, html


def test_line_breaks_in_a_store_name_or_subject_add_no_header(store, smtp_server, task_worker):
    # given a store name and an owner's subject carrying header lines
    Store.objects.filter(pk=store.pk).update(name="Evil\r\nBcc: victim@example.com")
    store.refresh_from_db()
    survey = make_survey(store)
    Survey.objects.filter(pk=survey.pk).update(
        texts={"en": {"email_subject": "Hi\r\nBcc: spy@example.com\nX-Injected: 1\u2028Reply-To: a@b.c"}}
    )
    survey.refresh_from_db()

    # when the invitation is sent
    received = send(task_worker, smtp_server, survey, make_customer(store, language="en"))

    # then the only recipient is the customer, and nothing became a header
    message = received.message
    assert received.rcpt_tos == ["ania@example.pl"]
    assert message["Bcc"] is None and message["X-Injected"] is None and message["Reply-To"] is None
    assert message["Subject"].strip() == "Hi Bcc: spy@example.com X-Injected: 1 Reply-To: a@b.c"
    assert message["From"].addresses[0].display_name == "Evil Bcc: victim@example.com"
    assert message["From"].addresses[0].addr_spec == "noreply@localhost"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Sklep\r\nBcc: x@y.z", "Sklep Bcc: x@y.z"),
        ("a\rb\nc", "a b c"),
        ("a\x0bb\x0cc\x1cd\x85e\u2028f\u2029g", "a b c d e f g"),
        ("a\x00b", "a b"),
        ("  Sklep   Ania  ", "Sklep Ania"),
        ("فروشگاه\u200cما", "فروشگاه\u200cما"),  # a zero-width non-joiner is Persian spelling, kept
    ],
)
def test_header_values_are_kept_on_one_line(value, expected):
    assert emails.one_line(value) == expected


def test_customer_name_is_escaped_in_html_and_kept_in_text(store, smtp_server, task_worker):
    customer = make_customer(store, first_name='<img src=x onerror="alert(1)">Ania')

    text, html = parts(send(task_worker, smtp_server, make_survey(store), customer).message)

    assert '<img src=x onerror="alert(1)">Ania,' in text
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;Ania," in html
    assert "onerror=" not in html.replace("onerror=&quot;", "")


def test_the_email_needs_no_images_or_scripts(store, smtp_server, task_worker):
    _text, html = parts(send(task_worker, smtp_server, make_survey(store), make_customer(store)).message)

    assert "<img" not in html and "<script" not in html and "<link" not in html
    assert ">Sklep Ania</p>" in html  # the store's name is text


def test_a_logo_is_an_optional_image_with_alt_text(store, smtp_server, task_worker):
    survey = make_survey(store)
    set_logo(survey=survey, data=PNG)

    _text, html = parts(send(task_worker, smtp_server, survey, make_customer(store)).message)

    version = int(survey.updated_at.timestamp())
    logo = f"https://cx.example.com/survey-logos/{survey.public_id}/?v={version}"
    assert f'<img src="{logo}" alt="Sklep Ania" height="40"' in html
    assert ">Sklep Ania</p>" in html


@pytest.mark.parametrize(
    ("color", "ink"),
    [("#2563eb", "#ffffff"), ("#111827", "#ffffff"), ("#FACC15", "#18181b"), ("#ffffff", "#18181b")],
)
def test_scale_numbers_are_readable_on_the_brand_colour(store, smtp_server, task_worker, color, ink):
    survey = make_survey(store, brand_color=color)

    _text, html = parts(send(task_worker, smtp_server, survey, make_customer(store)).message)

    assert f'bgcolor="{color.lower()}"' in html
    assert f"color:{ink};" in html


def test_a_colour_that_is_not_hex_falls_back_to_the_default():
    assert emails.build_brand("red;background:url(x)") == emails.Brand(color="#2563eb", ink="#ffffff")


SCALES = [("nps", range(0, 11)), ("csat", range(1, 6)), ("ces", range(1, 8))]


@pytest.mark.parametrize(("kind", "scores"), SCALES)
def test_each_kind_shows_its_own_scale(store, smtp_server, task_worker, kind, scores):
    received = send(task_worker, smtp_server, make_survey(store, kind=kind), make_customer(store))
    text, html = parts(received.message)

    html_links = [part.split('"')[0] for part in html.split('href="')[1:] if "?score=" in part.split('"')[0]]
    text_links = [line for line in text.splitlines() if "?score=" in line]
    assert [int(link.rsplit("=", 1)[1]) for link in html_links] == list(scores)
    assert [int(line.rsplit("=", 1)[1]) for line in text_links] == list(scores)


def test_a_custom_survey_links_to_its_page_without_a_score(store, smtp_server, task_worker):
    survey = make_survey(store, kind="custom")
    services.set_questions(survey=survey, questions=[{"kind": "text", "texts": {"en": "Anything to add?"}}])
    services.activate_survey(survey=survey)

    text, html = parts(send(task_worker, smtp_server, survey, make_customer(store, language="en")).message)

    assert "?score=" not in html and "?score=" not in text
    assert "Answer the survey" in html
    assert "Answer the survey: https://cx.example.com/s/" in text


def test_the_message_id_is_stable_per_invitation_and_differs_between_invitations(store):
    survey = make_survey(store)
    first = services.invite_customer(survey=survey, customer=make_customer(store))
    second = services.invite_customer(survey=survey, customer=make_customer(store, email="b@example.pl"))

    assert emails.message_id(first) == emails.message_id(first)
    assert emails.message_id(first) != emails.message_id(second)
    assert first.nonce not in emails.message_id(first)
    assert emails.message_id(first).endswith("@localhost>")
