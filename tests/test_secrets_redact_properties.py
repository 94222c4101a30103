"""redact() over generated secrets embedded in the encodings a server may send them back in.

The encodings are computed here with the standard library, not with earmark.redaction, so a
form earmark forgets to derive fails the test.
"""

from __future__ import annotations

import base64
import json
import re
import string
from urllib.parse import quote, quote_plus

from hypothesis import given, settings
from hypothesis import strategies as st

from earmark.redaction import REDACTED, forget_secrets, redact, register_basic_auth


def b64_forms(data: str) -> list[str]:
    raw = data.encode("utf-8")
    out = []
    for encoded in (base64.b64encode(raw), base64.urlsafe_b64encode(raw)):
        text = encoded.decode("ascii")
        out += [text, text.rstrip("=")]
    return out


SECRET_CHARS = string.ascii_letters + string.digits + "-_.~/+=:@!$&'()*,;%?#[] "
SECRETS = st.text(alphabet=SECRET_CHARS, min_size=8, max_size=32).filter(
    lambda s: s.strip() == s and len(set(s)) >= 4
)
IDS = st.text(alphabet=string.ascii_letters + string.digits + "-_", min_size=6, max_size=20)


def encodings(secret: str, client_id: str) -> list[str]:
    """Forms a server may send a secret back in (computed independently of earmark)."""
    pair = f"{client_id}:{secret}"
    escaped = json.dumps(secret)[1:-1]
    return [
        secret,
        quote(secret, safe=""),
        re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), quote(secret, safe="")),
        quote_plus(secret),
        escaped,
        escaped.replace("/", "\\/"),
        json.dumps(secret, ensure_ascii=True)[1:-1],
        *b64_forms(secret),
        *b64_forms(pair),
        "Basic " + base64.b64encode(pair.encode()).decode(),
        json.dumps(base64.b64encode(pair.encode()).decode()).replace("/", "\\/"),
    ]


@settings(max_examples=60, deadline=None)
@given(
    secret=SECRETS,
    client_id=IDS,
    before=st.text(max_size=20),
    after=st.text(max_size=20),
    which=st.integers(min_value=0),
)
def test_redact_removes_a_secret_in_any_encoding(secret, client_id, before, after, which):
    forget_secrets()
    forms = encodings(secret, client_id)
    form = forms[which % len(forms)]
    text = f"{before} {form} {after}"
    register_basic_auth(client_id, secret)
    clean = redact(text)
    forget_secrets()
    assert clean != text  # something was found and replaced
    assert form not in clean
    assert secret not in clean
    for encoded in b64_forms(f"{client_id}:{secret}") + b64_forms(secret):
        assert encoded not in clean


@settings(max_examples=60, deadline=None)
@given(
    secret=SECRETS,
    prefix=st.text(alphabet=string.ascii_letters + string.digits, max_size=5),
    suffix=st.text(alphabet=string.ascii_letters + string.digits, max_size=5),
)
def test_redact_finds_a_secret_inside_a_larger_base64_blob(secret, prefix, suffix):
    # Not registered as a pair: base64 of anything holding the secret, at any alignment.
    blob = base64.b64encode(f"{prefix}{secret}{suffix}".encode()).decode()
    clean = redact(f"token={blob}.", [secret])
    assert blob not in clean
    # A secret that is part of the marker itself gets one it cannot be found in.
    marker = "***" if secret in REDACTED else REDACTED
    assert clean == f"token={marker}."


@settings(max_examples=40, deadline=None)
@given(
    token=st.text(alphabet=string.ascii_letters + string.digits, min_size=10, max_size=30),
    segment=st.text(alphabet=string.ascii_letters + string.digits, min_size=6, max_size=12),
)
def test_a_url_secret_is_redacted_by_its_path_and_its_query_values(token, segment):
    url = f"https://hooks.example.com/services/{segment}1/{token}?token={token}x&v=1"
    for shown in (
        f"/services/{segment}1/{token}",
        f"POST /services/{segment}1/{token}?token={token}x&v=1 HTTP/1.1",
        f"invalid token {token}x",
        json.dumps(f"/services/{segment}1/{token}").replace("/", "\\/"),
    ):
        clean = redact(shown, [url])
        assert token not in clean, shown
        assert REDACTED in clean


def test_plain_words_and_short_values_are_left_alone():
    text = "reddit: HTTP 400 Bad Request from https://oauth.reddit.com/search; try later"
    assert redact(text, ["https://hooks.slack.com/services/T0/B0/SEKRITslackTOKENxyz789"]) == text
    assert redact("abc services hooks", ["abc"]) == "abc services hooks"
