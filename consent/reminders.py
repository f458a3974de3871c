"""Consent reminders (registered in ConsentConfig.ready)."""


def register_all() -> None:
    pass
