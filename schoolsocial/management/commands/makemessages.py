"""``makemessages`` that also extracts ``later("...")``: sentences written
for someone else and translated when they are read (schoolsocial.language).
Django's documented way to add an xgettext keyword."""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=later"]
