"""Language detection: fast English path, bundled model, fallbacks for short text."""

from __future__ import annotations

from classify import classify_text
from classify.language import detect_language, looks_english
from earmark.models import UNSUPPORTED_LANGUAGE
from earmark.settings.classify import ClassifySettings


def test_english_fast_path():
    assert looks_english("my flight was delayed and nobody at the desk can tell me why")
    assert detect_language("my flight was delayed and nobody at the desk can tell me why") == "en"


def test_other_languages_are_detected():
    assert (
        detect_language("Mi vuelo fue cancelado y nadie en el mostrador me da una respuesta")
        == "es"
    )
    assert (
        detect_language("Mein Flug wurde gestrichen und niemand am Schalter hilft mir weiter")
        == "de"
    )
    assert detect_language("Мой рейс отменили, и никто не может ничего объяснить") == "ru"


def test_short_text_trusts_the_post_language_then_the_first_supported_one():
    assert detect_language("ok merci", hint="fr") == "fr"
    assert detect_language("ok merci") == "en"
    assert detect_language("ok merci", languages=["de", "en"]) == "de"


def test_unsupported_language_is_marked_not_neutral():
    result = classify_text("Mi vuelo fue cancelado y nadie en el mostrador me da una respuesta")
    assert result.sentiment == UNSUPPORTED_LANGUAGE
    assert result.language == "es"
    assert result.compound == 0.0


def test_supported_languages_come_from_settings():
    settings = ClassifySettings(languages=["en", "es"])
    result = classify_text(
        "Mi vuelo fue cancelado y nadie en el mostrador me da una respuesta", settings=settings
    )
    assert result.language == "es"
    assert result.sentiment != UNSUPPORTED_LANGUAGE
