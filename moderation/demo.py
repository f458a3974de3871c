"""Demo moderation history for ``manage.py seed_demo``: a month of daily
checks with a few gaps, about a dozen incidents across the categories with
generated screenshots, some acted on, and a ban; the incidents that escalate
automatically are escalated to the head, and two of them decided, so the
head's inbox has work in it. Idempotent."""

from __future__ import annotations

import datetime
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from moderation import services
from moderation.models import Escalation, Incident, ModerationCheck
from policy.selectors import profile_for
from schoolsocial.models import Channel, ChannelAuthorisation

GAPS = {3, 9, 10, 17}  # days ago with no check (the grid shows them missed)

# Seen elsewhere online: not on one of the school's channels (index None).
ELSEWHERE = "Year 4 parents' WhatsApp group (screenshot sent to the office)"

INCIDENTS = [
    # days ago, channel index, author, kind, categories, content, actions
    (
        4,
        None,
        "A Year 4 parent",
        "parent",
        ["negative_about_pupil"],
        "That new boy in Year 4 is a menace, someone should sort him out.",
        [],
    ),
    (
        1,
        0,
        "Gary Pike",
        "parent",
        ["offensive"],
        "This school is run by absolute idiots. Bollocks to the new uniform rule.",
        ["comment_deleted"],
    ),
    (
        2,
        1,
        "Mum of Three",
        "parent",
        ["pupil_named"],
        "The boy in Year 2 with the red coat keeps pushing my son, the school does nothing.",
        [],
    ),
    (
        3,
        0,
        "Free Crypto Now",
        "public",
        ["spam"],
        "Earn £5000 a week from home!!! Click my profile.",
        ["comment_deleted", "author_banned"],
    ),
    (
        4,
        2,
        "Concerned Local",
        "public",
        ["unconnected_person", "defamatory"],
        "Heard the head was sacked from her last school. Ask questions.",
        [],
    ),
    (
        5,
        1,
        "Dad of Year 4",
        "parent",
        ["negative_about_pupil"],
        "One child in 4B ruins every lesson for the rest and everyone knows who.",
        ["asked_to_remove"],
    ),
    (
        6,
        0,
        "J. Teacher (personal)",
        "staff",
        ["staff_personal"],
        "Can't wait for half term, this lot have been a nightmare lol",
        ["comment_hidden"],
    ),
    (
        8,
        1,
        "Parent Anon",
        "parent",
        ["private_concern"],
        "Why was my daughter's reading book not changed again this week?",
        ["private_message"],
    ),
    (
        11,
        2,
        "xX_angry_Xx",
        "unknown",
        ["threat_hate"],
        "Someone should go down there and sort the staff out properly.",
        ["comment_deleted"],
    ),
    (
        13,
        0,
        "Year 6 Kid",
        "pupil",
        ["follower_under_age"],
        "follow back pls miss",
        [],
    ),
    (
        15,
        1,
        "Grandma Pat",
        "parent",
        ["bullying"],
        "My grandson is being picked on at lunch by the same group every day.",
        ["cpoms", "parents_informed"],
    ),
    (
        19,
        0,
        "Truth Seeker",
        "public",
        ["extremist"],
        "Link to a video about 'taking the country back' posted under the sports day photos.",
        ["comment_deleted"],
    ),
    (
        24,
        2,
        "Gary Pike",
        "parent",
        ["offensive"],
        "Another pointless letter home. Shite communication as usual.",
        ["comment_deleted"],
    ),
]


def screenshot_png(*, author: str, content: str, channel: str) -> bytes:
    """A plain 'screenshot' of a comment, drawn with Pillow."""
    image = Image.new("RGB", (900, 320), (242, 243, 245))
    draw = ImageDraw.Draw(image)
    try:
        font = ImageFont.truetype("DejaVuSans.ttf", 22)
        small = ImageFont.truetype("DejaVuSans.ttf", 16)
    except OSError:
        font = small = ImageFont.load_default()
    draw.rectangle((20, 20, 880, 300), fill=(255, 255, 255), outline=(210, 212, 218))
    draw.ellipse((40, 40, 90, 90), fill=(120, 140, 180))
    draw.text((105, 42), author, fill=(30, 30, 30), font=font)
    draw.text((105, 72), channel, fill=(110, 110, 110), font=small)
    words, lines, line = content.split(), [], ""
    for word in words:
        if len(line) + len(word) > 60:
            lines.append(line)
            line = ""
        line = f"{line} {word}".strip()
    lines.append(line)
    for n, text in enumerate(lines[:6]):
        draw.text((45, 115 + n * 30), text, fill=(20, 20, 20), font=font)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def seed(*, school, members, stdout) -> None:
    admin, head = members["admin"], members["head"]
    channels = list(Channel.objects.filter(school=school).order_by("pk"))
    if not channels:
        return
    today = school.local_today()
    authorised = set(
        ChannelAuthorisation.objects.current()
        .filter(member=admin)
        .values_list("channel_id", flat=True)
    )
    made = 0
    tz = school.tz
    for days_ago in range(30, 0, -1):
        if days_ago in GAPS:
            continue
        day = today - datetime.timedelta(days=days_ago)
        for channel in channels:
            if channel.pk not in authorised:
                continue
            _, created = ModerationCheck.objects.get_or_create(
                channel=channel,
                checked_on=day,
                defaults={
                    "checked_by": admin,
                    "checked_at": datetime.datetime.combine(day, datetime.time(15, 10), tzinfo=tz),
                    "outcome": "nothing",
                },
            )
            made += created
    stdout.write(f"  moderation: {made} daily checks added")

    if Incident.objects.filter(school=school).exists():
        stdout.write("  moderation: incidents already there")
        _escalations(school=school, head=head, stdout=stdout)
        return
    recorded = 0
    for days_ago, index, author, kind, categories, content, actions in INCIDENTS:
        channel = channels[index % len(channels)] if index is not None else None
        png = screenshot_png(
            author=author, content=content, channel=channel.name if channel else "WhatsApp"
        )
        incident = services.incident_record(
            channel=channel,
            where="" if channel else ELSEWHERE,
            reported_by=admin,
            author_name=author,
            author_kind=kind,
            author_profile_url=f"https://facebook.com/{author.lower().replace(' ', '.')}",
            content=content,
            occurred_at=timezone.now() - datetime.timedelta(days=days_ago, hours=3),
            categories=categories,
            screenshots=[SimpleUploadedFile("screenshot.png", png, content_type="image/png")],
        )
        recorded += 1
        # Demo history: recorded twenty minutes after it was posted.
        Incident.objects.filter(pk=incident.pk).update(
            recorded_at=incident.occurred_at + datetime.timedelta(minutes=20)
        )
        for action in actions:
            services.incident_add_action(
                incident=incident,
                kind=action,
                by=admin if action != "cpoms" else head,
                note="Demo: done as the policy says.",
                reference="CPOMS-2025-0142" if action in ("cpoms", "reported_police") else "",
            )
        if days_ago > 14 and "comment_deleted" in actions:
            waiting = incident.escalations.filter(decided_at__isnull=True).first()
            if waiting is not None:
                services.escalation_decide(
                    escalation=waiting,
                    by=head,
                    decision=Escalation.Decision.DELETE_AND_BAN,
                    note="Demo: deleted; ban the account.",
                )
            services.incident_resolve(
                incident=incident, by=head, outcome="Comment removed; nothing further needed."
            )
            services.incident_close(incident=incident, by=head)
    stdout.write(f"  moderation: {recorded} incidents with screenshots added")
    _escalations(school=school, head=head, stdout=stdout)


DEMO_DECISIONS = {
    # author: (decision, note, reference)
    "Dad of Year 4": (
        Escalation.Decision.ASK_TO_REMOVE,
        "Demo: I will phone him this afternoon and ask him to take it down (Threemilestone 10.2).",
        "",
    ),
    "xX_angry_Xx": (
        Escalation.Decision.REPORT_POLICE,
        "Demo: reported on 101 as a threat to staff (Westbrook D).",
        "CAD-2025-0311",
    ),
}


def _escalations(*, school, head, stdout) -> None:
    """Escalate, as recording would have, any open demo incident in a category
    that escalates by itself and has never been escalated (older demo data);
    back-date them to the comment's time plus half an hour so the inbox shows
    real waits; decide the two in ``DEMO_DECISIONS`` once."""
    raised = 0
    for incident in (
        Incident.objects.filter(school=school, status__in=Incident.OPEN_STATUSES)
        .exclude(escalations__isnull=False)
        .prefetch_related("category_rows")
    ):
        codes = [r.category for r in incident.category_rows.all()]
        profile = profile_for(school)
        automatic = profile.escalating(codes)
        if automatic:
            services.incident_escalate(
                incident=incident,
                raised_by=None,
                reason="Automatic: " + ", ".join(profile.label(c) for c in automatic) + ".",
                codes=codes,
            )
            raised += 1
    for escalation in Escalation.objects.filter(
        incident__school=school, decided_at__isnull=True, automatic=True
    ).select_related("incident"):
        wanted = escalation.incident.occurred_at + datetime.timedelta(minutes=30)
        if escalation.raised_at > wanted:
            Escalation.objects.filter(pk=escalation.pk).update(raised_at=wanted)
    decided = 0
    for escalation in Escalation.objects.filter(
        incident__school=school,
        decided_at__isnull=True,
        incident__author_name__in=list(DEMO_DECISIONS),
    ).select_related("incident"):
        decision, note, reference = DEMO_DECISIONS[escalation.incident.author_name]
        services.escalation_decide(
            escalation=escalation,
            by=head,
            decision=decision,
            note=note,
            external_reference=reference,
        )
        decided += 1
    stdout.write(f"  moderation: {raised} escalations raised, {decided} decided")
