"""Personal data: detection, Luhn-checked cards, redaction and the reply-privately flag."""

from __future__ import annotations

import pytest

from classify import classify_text
from classify.pii import find_pii, luhn_valid, redact


@pytest.mark.parametrize(
    ("text", "kinds", "redacted"),
    [
        (
            "write to maria.lopez+care@example.co.uk please",
            ["email"],
            "write to [email] please",
        ),
        ("call me back on +1 (415) 555-0132 tonight", ["phone"], "call me back on [phone] tonight"),
        ("my number is 020 7946 0958", ["phone"], "my number is [phone]"),
        (
            "charged on 4111 1111 1111 1111 twice!",
            ["card"],
            "charged on [card] twice!",
        ),
        ("order #48213 never showed up", ["order_number"], "order #[order] never showed up"),
        ("booking ref QX7P2L for tomorrow", ["order_number"], "booking ref [order] for tomorrow"),
        ("booking reference: ZKWQTR", ["order_number"], "booking reference: [order]"),
        ("account 88214590 is locked", ["account_number"], "account [account] is locked"),
    ],
)
def test_detects_and_redacts(text, kinds, redacted):
    assert find_pii(text) == kinds
    assert redact(text) == redacted


@pytest.mark.parametrize(
    "text",
    [
        "flight 1123 leaves at 10:45 on 2024-03-18",
        "paid $1,249.99 for two seats",
        "my order is late",
        "see you @acmeair",
        "4111 1111 1111 1112 is not a valid card",  # fails Luhn, too long for a phone
        "ranked 3.14159 in the poll",
        "CONFERENCE: last day for early bird registrations",  # "CONF" + "ERENCE" is one word
    ],
)
def test_no_false_alarms(text):
    assert find_pii(text) == []
    assert redact(text) == text


def test_luhn():
    assert luhn_valid("4111111111111111")
    assert luhn_valid("79927398713")
    assert not luhn_valid("79927398710")


def test_reply_privately_when_pii():
    assert classify_text("my email is sam@example.org, order #99812").reply_privately
    assert classify_text("my email is sam@example.org, order #99812").pii == [
        "email",
        "order_number",
    ]
    assert not classify_text("where is my order?").reply_privately


@pytest.mark.parametrize(
    "text,code",
    [
        ("send an email with this number and case#8719519", "8719519"),
        ("flt 648 from Buf to MCO. Conf#FGKXV5. Please help", "FGKXV5"),
        ("cancelling order732201349959", "732201349959"),
        ("my PNR: QWERTY", "QWERTY"),
    ],
)
def test_reference_numbers_written_against_their_keyword(text, code):
    assert find_pii(text) == ["order_number"]
    assert code not in redact(text)
