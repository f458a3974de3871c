"""Do-not-publish list, CSV export, publication check and withdrawal follow-up."""

import csv
import datetime
import io

import pytest
from django.urls import reverse

from consent import services
from consent.models import CheckedPupil, PublicationCheck
from schoolsocial.models import AuditEvent
from tests.consent.factories import PupilFactory, give_consent
from tests.factories import ChannelFactory, StaffMemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pupils(school):
    ok = PupilFactory(school=school, first_name="Dafydd", last_name="Rees", class_name="5 Oak")
    give_consent(ok, "social_public", "granted")
    refused = PupilFactory(
        school=school, first_name="Gwenllïan", last_name="Ap Rhys", class_name="5 Oak"
    )
    give_consent(refused, "social_public", "refused")
    none = PupilFactory(
        school=school, first_name="=HYPERLINK(1)", last_name="Bad", class_name="6 Ash"
    )
    return {"ok": ok, "refused": refused, "none": none}


def test_do_not_publish_lists_pupils_without_current_consent_by_class(login, admin, pupils):
    page = login(admin).get(reverse("consent:do_not_publish")).content.decode()
    assert "Gwenllïan Ap Rhys" in page
    assert "=HYPERLINK(1) Bad" in page
    assert "Dafydd" not in page
    assert page.index("5 Oak") < page.index("6 Ash")


def test_do_not_publish_reflects_a_refusal_the_moment_it_is_saved(login, office, pupils):
    client = login(office)
    url = reverse("consent:do_not_publish")
    assert "Dafydd" not in client.get(url).content.decode()
    give_consent(pupils["ok"], "social_public", "refused", received_on=datetime.date(2025, 11, 1))
    assert "Dafydd" in client.get(url).content.decode()


def test_do_not_publish_per_purpose_and_class(login, office, pupils):
    client = login(office)
    page = client.get(reverse("consent:do_not_publish"), {"purpose": "website"}).content.decode()
    assert "Dafydd" in page  # no website form
    page = client.get(reverse("consent:do_not_publish"), {"class": "6 Ash"}).content.decode()
    assert "Gwenllïan" not in page and "HYPERLINK" in page


def test_the_staff_room_sheet_says_what_each_pupil_may_not_appear_in(login, office, school, pupils):
    never = PupilFactory(school=school, first_name="Nia", last_name="Owen", class_name="6 Ash")
    services.pupil_set_never_publish(
        pupil=never,
        never_publish=True,
        reason="Court order",
        set_by=StaffMemberFactory(school=school, is_head=True),
    )
    for purpose in ["website", "social_group", "press", "print", "video"]:
        give_consent(pupils["ok"], purpose, "granted")
    response = login(office).get(reverse("consent:do_not_publish_print"))
    page = response.content.decode()
    assert "CONFIDENTIAL" in page and "Example Primary" in page
    assert "Printed 3 November 2025" in page
    cell = page[page.index("Gwenllïan Ap Rhys") :].split("</td>")[0]
    assert "Not in: public social media" not in cell  # refused one, no form for the rest
    assert "Nothing: no photo or video at all" in cell
    assert "Dafydd" not in page  # granted for every purpose
    cell = page[page.index("Nia Owen") :].split("</td>")[0]
    assert "NEVER PUBLISH" in cell
    assert "Court order" not in page  # the head's reason stays private
    # No photo: the pupil's initials, never a "?".
    assert '<span class="sheet__photo sheet__initials" aria-hidden="true">NO</span>' in page
    assert ">?<" not in page
    event = AuditEvent.objects.get(action="consent.print")
    assert event.actor == office.user
    assert "any purpose, the whole school" in event.summary and "3 pupils" in event.summary


def test_the_sheet_for_one_purpose_and_class(login, office, pupils):
    give_consent(pupils["refused"], "website", "granted")
    page = (
        login(office)
        .get(
            reverse("consent:do_not_publish_print"), {"purpose": "social_public", "class": "5 Oak"}
        )
        .content.decode()
    )
    assert "Gwenllïan Ap Rhys" in page and "Not in: public social media" in page
    assert "HYPERLINK" not in page
    assert "Do not publish: public social media — 5 Oak" in page
    assert "class 5 Oak" in AuditEvent.objects.get(action="consent.print").summary


def test_the_sheet_shows_the_photo_inline_without_auditing_each_one(login, office, pupils):
    from django.core.files.base import ContentFile

    from tests.consent.access_map import PNG

    pupil = pupils["refused"]
    pupil.photo_thumbnail.save("thumb.png", ContentFile(PNG))
    page = login(office).get(reverse("consent:do_not_publish_print")).content.decode()
    assert 'src="data:image/png;base64,' in page
    assert not AuditEvent.objects.filter(action="consent.file_view").exists()
    assert AuditEvent.objects.filter(action="consent.print").count() == 1


def test_csv_export_is_audited_and_formula_safe(login, office, pupils):
    response = login(office).get(reverse("consent:do_not_publish_csv"))
    data = response.getvalue()
    # Excel reads a CSV as UTF-8 only when it starts with the byte-order mark.
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["class", "year group", "first name"]
    names = [r[2] for r in rows[1:]]
    assert "Gwenllïan" in names
    assert "'=HYPERLINK(1)" in names
    assert AuditEvent.objects.filter(action="consent.export").count() == 1


def test_an_admin_runs_a_check_that_blocks_a_pupil_and_flags_a_name(
    login, authorised_admin, channel, pupils
):
    client = login(authorised_admin)
    response = client.post(
        reverse("consent:check"),
        {
            "channel": channel.pk,
            "pupils": [pupils["ok"].pk, pupils["refused"].pk],
            "caption": "Well done Dafydd Rees’s team!",
        },
    )
    check = PublicationCheck.objects.get()
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Blocked: 1 pupil may not appear" in page
    assert "Refused for public social media" in page
    assert "names Dafydd Rees" in page
    assert check.result == "blocked"
    assert check.purpose == "social_public"
    assert CheckedPupil.objects.filter(check_run=check, allowed=False).count() == 1


def test_every_check_is_stored_even_when_all_is_well(authorised_admin, channel, pupils):
    check = services.publication_check_run(
        channel=channel, pupils=[pupils["ok"]], caption="Sports day!", checked_by=authorised_admin
    )
    assert check.result == "allowed"
    assert check.caption_matches == []
    assert PublicationCheck.objects.count() == 1


def test_a_caption_naming_a_pupil_blocks_the_post_even_when_every_pupil_may_appear(
    authorised_admin, channel, pupils, login
):
    check = services.publication_check_run(
        channel=channel,
        pupils=[pupils["ok"]],
        caption="Well done Dafydd Rees on sports day!",
        checked_by=authorised_admin,
    )
    assert check.result == "blocked"
    page = login(authorised_admin).get(reverse("consent:check_result", args=[check.pk]))
    assert "Blocked: the caption names a pupil" in page.content.decode()


def test_the_channel_decides_the_purpose(head, school, pupils):
    group = ChannelFactory(school=school, platform="facebook_group")
    website = ChannelFactory(school=school, platform="website")
    dojo = ChannelFactory(school=school, platform="class_dojo")
    ok = pupils["ok"]
    check = services.publication_check_run(channel=group, pupils=[ok], caption="", checked_by=head)
    assert (check.purpose, check.result) == ("social_group", "blocked")
    check = services.publication_check_run(
        channel=website, pupils=[ok], caption="", checked_by=head
    )
    assert (check.purpose, check.result) == ("website", "blocked")
    check = services.publication_check_run(channel=dojo, pupils=[ok], caption="", checked_by=head)
    assert check.result == "no_photos"
    assert "carries no pupils' photos" in check.pupils.get().reason


def test_an_admin_not_authorised_for_the_channel_cannot_run_a_check(admin, channel, pupils):
    with pytest.raises(services.ServiceError, match="currently authorised"):
        services.publication_check_run(
            channel=channel, pupils=[pupils["ok"]], caption="", checked_by=admin
        )
    assert not PublicationCheck.objects.exists()


def test_a_revoked_admin_cannot_run_a_check(authorised_admin, channel, head, pupils):
    from schoolsocial.services import channel_authorisation_revoke

    channel_authorisation_revoke(
        authorisation=authorised_admin.authorisations.get(), revoked_by=head, reason="Left role"
    )
    with pytest.raises(services.ServiceError):
        services.publication_check_run(
            channel=channel, pupils=[pupils["ok"]], caption="", checked_by=authorised_admin
        )


def test_withdrawal_lists_earlier_cleared_posts_and_office_marks_them_reviewed(
    login, office, authorised_admin, channel, pupils
):
    ok = pupils["ok"]
    services.publication_check_run(
        channel=channel, pupils=[ok], caption="Match day", checked_by=authorised_admin
    )
    client = login(office)
    page = client.get(reverse("consent:pupil", args=[ok.pk])).content.decode()
    assert "Posts to review" not in page
    record = ok.current_consent("social_public").record
    services.consent_withdraw(
        record=record,
        withdrawn_by_name="Mam",
        withdrawn_on=datetime.date(2025, 11, 2),
        recorded_by=office,
    )
    page = client.get(reverse("consent:pupil", args=[ok.pk])).content.decode()
    assert "Posts to review: consent withdrawn, refused or “never publish”" in page
    assert "withdrawn on 02 Nov 2025" in page
    assert "Match day" in page
    followup = CheckedPupil.objects.get(pupil=ok)
    client.post(
        reverse("consent:followup_reviewed", args=[followup.pk]),
        {"outcome": "taken_down", "note": "Post removed"},
    )
    followup.refresh_from_db()
    assert followup.reviewed_by == office
    page = client.get(reverse("consent:pupil", args=[ok.pk])).content.decode()
    assert "Post removed" in page


def _cleared(channel, checked_by, pupil, caption="Match day"):
    check = services.publication_check_run(
        channel=channel, pupils=[pupil], caption=caption, checked_by=checked_by
    )
    assert check.result == "allowed"
    return CheckedPupil.objects.get(check_run=check, pupil=pupil)


def test_a_later_refusal_form_lists_earlier_cleared_posts_for_review(
    login, office, authorised_admin, channel, pupils
):
    from consent import selectors

    ok = pupils["ok"]
    cleared = _cleared(channel, authorised_admin, ok)
    services.consent_form_record(
        pupil=ok,
        recorded_by=office,
        decisions={"social_public": "refused"},
        given_by_name="Mam",
        relationship="parent",
        received_on=datetime.date(2025, 10, 30),
    )
    assert [f.pk for f in selectors.followups(ok)] == [cleared.pk]
    client = login(office)
    page = client.get(reverse("consent:pupil", args=[ok.pk])).content.decode()
    assert "Posts to review" in page
    assert "Refused for public social media by Mam" in page
    client.post(
        reverse("consent:followup_reviewed", args=[cleared.pk]),
        {"outcome": "taken_down", "note": "Taken down"},
    )
    cleared.refresh_from_db()
    assert cleared.reviewed_by == office
    event = AuditEvent.objects.get(action="consent.followup_reviewed")
    assert "a later form refused consent" in event.summary


def test_never_publish_lists_earlier_cleared_posts_for_review(
    login, office, head, authorised_admin, channel, pupils
):
    from consent import selectors

    ok = pupils["ok"]
    cleared = _cleared(channel, authorised_admin, ok)
    services.pupil_set_never_publish(
        pupil=ok, never_publish=True, reason="Court order", set_by=head
    )
    assert [f.pk for f in selectors.followups(ok)] == [cleared.pk]
    page = login(office).get(reverse("consent:pupil", args=[ok.pk])).content.decode()
    assert "Posts to review" in page
    assert "Must never be published" in page
    services.followup_mark_reviewed(
        followup=cleared, reviewed_by=office, outcome="taken_down", note="Removed"
    )
    cleared.refresh_from_db()
    assert cleared.reviewed_at is not None


def test_expiry_does_not_list_earlier_cleared_posts_for_review(
    time_machine, office, authorised_admin, channel, school
):
    from consent import selectors

    pupil = PupilFactory(school=school)
    give_consent(pupil, valid_until=datetime.date(2025, 11, 3))
    cleared = _cleared(channel, authorised_admin, pupil)
    time_machine.move_to(datetime.datetime(2025, 11, 4, 12, 0, tzinfo=datetime.UTC), tick=False)
    assert pupil.current_consent("social_public").status == "expired"
    assert selectors.followups(pupil) == []
    with pytest.raises(services.ServiceError, match="does not need reviewing"):
        services.followup_mark_reviewed(followup=cleared, reviewed_by=office, outcome="taken_down")


def test_a_first_name_of_a_pupil_in_the_photo_blocks_the_check(
    login, authorised_admin, channel, pupils
):
    check = services.publication_check_run(
        channel=channel,
        pupils=[pupils["ok"]],
        caption="Well done Dafydd on sports day!",
        checked_by=authorised_admin,
    )
    assert [(m["kind"], m["in_photo"]) for m in check.caption_matches] == [("possible", True)]
    assert check.result == "blocked"
    page = login(authorised_admin).get(reverse("consent:check_result", args=[check.pk]))
    page = page.content.decode()
    assert "Blocked: the caption gives the first name of a pupil in the photo" in page
    assert "Blocked: the caption names a pupil" not in page
    assert "names Dafydd Rees, who is in the photo" in page


def test_a_rare_first_name_of_a_pupil_whose_consent_says_no_blocks_the_caption(
    login, authorised_admin, channel, pupils
):
    """Threemilestone 3.4: "Under no circumstances should any pupils be
    named". Gwenllïan is the only one: her name alone identifies her, and
    her parents refused."""
    check = services.publication_check_run(
        channel=channel,
        pupils=[pupils["ok"]],
        caption="Thanks to Gwenllïan for the photo",
        checked_by=authorised_admin,
    )
    assert [(m["kind"], m["in_photo"]) for m in check.caption_matches] == [("possible", False)]
    assert check.result == "blocked"
    page = login(authorised_admin).get(reverse("consent:check_result", args=[check.pk]))
    assert "may refer to Gwenllïan Ap Rhys" in page.content.decode()


def test_a_first_name_many_pupils_share_is_only_a_warning(
    school, authorised_admin, channel, pupils
):
    for n in range(3):
        PupilFactory(school=school, first_name="Tom", last_name=f"Jones{n}")
    check = services.publication_check_run(
        channel=channel,
        pupils=[pupils["ok"]],
        caption="Tom's team won the match",
        checked_by=authorised_admin,
    )
    assert {m["kind"] for m in check.caption_matches} == {"possible"}
    assert check.result == "allowed"


def test_a_rare_first_name_of_a_pupil_whose_consent_allows_it_is_only_a_warning(
    school, authorised_admin, channel, pupils
):
    osian = PupilFactory(school=school, first_name="Osian", last_name="Pritchard")
    give_consent(osian, "social_public", "granted")
    check = services.publication_check_run(
        channel=channel,
        pupils=[pupils["ok"]],
        caption="Osian's drawing is on the wall",
        checked_by=authorised_admin,
    )
    assert check.result == "allowed"


def test_where_the_policy_allows_it_a_pupil_may_be_named_on_the_website(
    school, head, authorised_admin, pupils
):
    """Threemilestone 4.4 allows names on the school website; other
    templates (and every other channel) do not."""
    from policy import services as policy_services
    from tests.factories import ChannelAuthorisationFactory, ChannelFactory

    website = ChannelFactory(school=school, platform="website", name="School website")
    ChannelAuthorisationFactory(member=authorised_admin, channel=website)
    give_consent(pupils["ok"], "website", "granted")
    check = services.publication_check_run(
        channel=website,
        pupils=[pupils["ok"]],
        caption="Well done Dafydd Rees",
        checked_by=authorised_admin,
    )
    assert check.result == "allowed"
    policy_services.profile_update_settings(
        school=school, by=head, changes={"website_naming": False}
    )
    school.refresh_from_db()
    website = type(website).objects.get(pk=website.pk)
    check = services.publication_check_run(
        channel=website,
        pupils=[pupils["ok"]],
        caption="Well done Dafydd Rees",
        checked_by=authorised_admin,
    )
    assert check.result == "blocked"


def test_a_blocked_pupil_and_a_first_name_in_the_photo_are_both_reported(
    login, authorised_admin, channel, pupils
):
    check = services.publication_check_run(
        channel=channel,
        pupils=[pupils["ok"], pupils["refused"]],
        caption="Dafydd and friends",
        checked_by=authorised_admin,
    )
    assert check.result == "blocked"
    page = login(authorised_admin).get(reverse("consent:check_result", args=[check.pk]))
    assert (
        "Blocked: 1 pupil may not appear, and the caption gives the first name of a pupil "
        "in the photo" in page.content.decode()
    )


def test_run_another_check_keeps_the_channel_pupils_and_caption(
    login, authorised_admin, channel, pupils
):
    client = login(authorised_admin)
    response = client.post(
        reverse("consent:check"),
        {
            "channel": channel.pk,
            "pupils": [pupils["ok"].pk, pupils["refused"].pk],
            "caption": "Well done Dafydd Rees’s team!",
        },
    )
    result = client.get(response["Location"]).content.decode()
    check = PublicationCheck.objects.get()
    again = f"{reverse('consent:check')}?again={check.pk}"
    assert again in result
    page = client.get(again).content.decode()
    assert f'<option value="{channel.pk}" selected>' in page
    assert f'value="{pupils["ok"].pk}" id="pupil-{pupils["ok"].pk}" checked' in page
    assert f'value="{pupils["refused"].pk}" id="pupil-{pupils["refused"].pk}" checked' in page
    assert "Well done Dafydd Rees’s team!</textarea>" in page
    # Changed and sent again, it is a new check; the first stays as it was.
    response = client.post(
        reverse("consent:check"),
        {
            "channel": channel.pk,
            "pupils": [pupils["ok"].pk],
            "caption": "Well done team!",
            "submission_key": "second",
        },
    )
    assert PublicationCheck.objects.count() == 2
    assert PublicationCheck.objects.get(pk=check.pk).caption == "Well done Dafydd Rees’s team!"


def test_another_schools_check_cannot_be_used_to_start_one(login, authorised_admin, pupils):
    from tests.consent.access_map import _check
    from tests.factories import SchoolFactory

    elsewhere = _check(SchoolFactory(slug="elsewhere")).check_run
    response = login(authorised_admin).get(reverse("consent:check"), {"again": elsewhere.pk})
    assert response.status_code == 404
