"""A customer in Taiwan is asked, answered and read in Traditional Chinese, never Simplified."""

from urllib.parse import urlsplit

import pytest
from django.test import Client

from cxloop.core.language_detection import _script_only_characters
from cxloop.surveys.models import Response

from .factories import make_customer, make_survey
from .test_delivery import PUBLIC_URL, invite, public_address, score_links  # noqa: F401 (fixture)
from .test_public_web import web_link


def simplified_only(text: str) -> set[str]:
    """Characters in the text that only Simplified Chinese writes (这, 们, 调, 问...)."""
    return set(text) & _script_only_characters()[0]


def test_a_taiwanese_customer_is_invited_and_answers_in_traditional_chinese(store, smtp_server, task_worker):
    # given a customer whose shop platform says zh-TW, invited to the store's NPS survey
    survey = make_survey(store, kind="nps")
    customer = make_customer(store, email="yijun@example.tw", first_name="怡君", language="zh-hant")
    invite(task_worker, survey, customer)

    # when the worker sends it through the SMTP server
    assert task_worker.run_ready() == ["sent"]

    # then the email is in Traditional Chinese, in both parts, with no Simplified character
    [received] = smtp_server.received
    message = received.message
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert message["Subject"] == "Sklep Ania 期待您的回饋"
    assert "您有多大可能向朋友或同事推薦 Sklep Ania？" in text
    assert "您有多大可能向朋友或同事推薦 Sklep Ania？" in html
    assert "感謝您在 Sklep Ania 購物。" in text
    assert "退訂此類郵件" in html
    assert 'lang="zh-hant"' in html
    assert simplified_only(message["Subject"] + text + html) == set()

    # when the customer follows the score-9 link and comments in characters either script writes
    links = score_links(html)
    assert all(url.startswith(f"{PUBLIC_URL}/s/") for url in links.values())
    path = urlsplit(links[9]).path
    client = Client()
    page = client.get(f"{path}?score=9").content.decode()
    with task_worker.committing():
        sent = client.post(path, {"score": "9", "comment": "衣服很好看"})

    # then the answer page was in Traditional Chinese and the comment is filed as zh-hant
    assert '<html lang="zh-hant"' in page
    assert "您有多大可能向朋友或同事推薦 Sklep Ania？" in page
    assert "謝謝！您最喜歡什麼？" in page and "選填。" in page and ">傳送</button>" in page
    assert simplified_only(page) == set()
    assert sent.status_code == 302
    assert task_worker.run_ready() == ["zh-hant"]
    assert list(Response.objects.values_list("score", "language", "comment_language")) == [
        (9, "zh-hant", "zh-hant")
    ]


@pytest.mark.parametrize(
    ("accept", "expected", "question"),
    [
        ("zh-TW,zh;q=0.9,en;q=0.8", "zh-hant", "您有多大可能向朋友或同事推薦"),
        ("zh-HK,en;q=0.5", "zh-hant", "您有多大可能向朋友或同事推薦"),
        ("zh-Hant", "zh-hant", "您有多大可能向朋友或同事推薦"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh-hans", "您有多大可能向朋友或同事推荐"),
        ("zh", "zh-hans", "您有多大可能向朋友或同事推荐"),
    ],
)
def test_the_browsers_chinese_picks_the_script_of_the_answer_page(store, accept, expected, question):
    survey = make_survey(store)

    page = Client().get(web_link(survey), HTTP_ACCEPT_LANGUAGE=accept).content.decode()

    assert f'<html lang="{expected}"' in page
    assert question in page
