"""Moderation reminders (registered in ModerationConfig.ready)."""


def register_all() -> None:
    pass
