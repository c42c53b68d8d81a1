"""The advisory board's pages in the back office."""

from django.urls import reverse

from tests.factories import UserFactory


def test_editor_can_add_a_board_member_from_the_admin(client, editor):
    """An editor picks an existing account for a new board profile without user-admin rights."""
    physician = UserFactory(username="dr.new", first_name="Noor", last_name="Haddad")
    client.force_login(editor)
    add_url = reverse("admin:reviewers_boardmember_add")
    assert f'value="{physician.pk}"' in client.get(add_url).content.decode()
    response = client.post(
        add_url,
        {
            "user": physician.pk,
            "credentials": "MD, FRCP",
            "specialties": "Internal medicine",
            "bio": "",
            "active": "on",
            "joined_on": "2026-01-05",
        },
    )
    assert response.status_code == 302
    profile = physician.board_member
    assert profile.credentials == "MD, FRCP"
    assert profile.history.first().history_user == editor
