import io

import pytest
from django.core.management import call_command

from chats.models import ChatSession, Rating, ReconnectRequest

pytestmark = pytest.mark.django_db(transaction=True)


def test_make_demo_plays_the_whole_journey_through_the_webhook():
    out = io.StringIO()
    call_command("demo", stdout=out)
    text = out.getvalue()
    assert "webhook answered 500" not in text and "webhook answered 4" not in text
    assert "Нашёлся собеседник" in text
    assert "анонимная копия сообщения" in text
    assert "Похоже, в сообщении есть контакты" in text
    assert "предлагает поговорить снова" in text
    session = ChatSession.objects.get()
    assert session.status == "ended" and session.messages_a == 2 and session.messages_b == 2
    assert "Вы сейчас в безопасности?" in text and "как можно поддержать" in text  # the crisis moment
    assert Rating.objects.get().chip == "listened"
    assert ReconnectRequest.objects.get().status == "pending"
