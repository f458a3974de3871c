import io

import pytest

from consent import demo
from consent.models import Pupil, Status
from tests.factories import StaffMemberFactory

pytestmark = pytest.mark.django_db


def test_demo_seed_adds_a_realistic_mix_once(school):
    members = {
        "office": StaffMemberFactory(school=school, is_office=True),
        "head": StaffMemberFactory(school=school, is_head=True),
    }
    demo.seed(school=school, members=members, stdout=io.StringIO())
    demo.seed(school=school, members=members, stdout=io.StringIO())
    pupils = list(Pupil.objects.filter(school=school).with_consent())
    assert len(pupils) == 60
    statuses = {p.current_consent("social_public").status for p in pupils}
    assert statuses == set(Status.values)
    assert any(p.first_name == "Gwenllïan" for p in pupils)
