"""The list's money formatter writes exactly what Babel's ``format_currency`` writes."""

import random
from decimal import Decimal

import pytest
from babel import Locale
from babel.numbers import format_currency

from saas.web.money import money_formatter

LOCALES = ("en", "zh_CN", "de", "fr", "ja", "hi", "de_CH", "es", "ar", "en_IN", "pl", "sv", "pt_BR", "ru", "nl")
CURRENCIES = ("CNY", "USD", "EUR", "JPY", "KWD", "CHF", "INR")


def amounts() -> list[Decimal]:
    generator = random.Random(15)
    made = [Decimal(generator.randint(-10**10, 10**10)).scaleb(-generator.randint(0, 5)) for _ in range(1500)]
    return made + [Decimal(text) for text in ("0", "-0", "0.005", "0.015", "-0.005", "999999.995", "1000", "9999")]


@pytest.mark.parametrize("code", LOCALES)
def test_every_amount_reads_as_babel_writes_it(code):
    locale, cases = Locale.parse(code), amounts()
    for currency in CURRENCIES:
        formatter = money_formatter(locale, currency)
        wrong = [(amount, formatter(amount)) for amount in cases
                 if formatter(amount) != format_currency(amount, currency, locale=locale)]
        assert not wrong, f"{code} {currency}: {wrong[:3]}"


def test_the_common_locales_take_the_fast_path():
    """en and zh_CN (the catalogues' languages) are the patterns Python's format writes; Indian
    grouping (12,34,567) is not, and keeps Babel's."""
    assert money_formatter(Locale.parse("zh_CN"), "CNY").__name__ == "fast"
    assert money_formatter(Locale.parse("en"), "USD").__name__ == "fast"
    assert money_formatter(Locale.parse("en_IN"), "INR").__name__ == "babel"
    assert money_formatter(Locale.parse("zh_CN"), "CNY")(12.5) == "¥12.50"  # a float goes Babel's way
