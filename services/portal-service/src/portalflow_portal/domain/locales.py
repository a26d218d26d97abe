"""Which locale the customer reads, and a localized text in it."""

from collections.abc import Sequence


def preferred(accepted: Sequence[str], opportunity_locale: str | None, settings: dict | None,
              fallback: str) -> list[str]:
    """Locales to try, best first: Accept-Language, the opportunity's, the org's default, ours.

    Once the org has saved its portal settings, only the locales it supports are tried, so a
    text still holding a dropped locale does not show in another language than the rest.
    """
    supported = settings["locales"] if settings else None
    wanted = [locale for locale in (*accepted, opportunity_locale)
              if locale and (supported is None or locale in supported)]
    org_default = [settings["default_locale"]] if settings else []
    return list(dict.fromkeys([*wanted, *org_default, fallback]))


def localize(text: dict | None, locales: Sequence[str]) -> str | None:
    """The text in the first locale of `locales` it has, else in any locale it has."""
    if not text:
        return None
    for locale in locales:
        if locale in text:
            return text[locale]
    return next(iter(text.values()))
