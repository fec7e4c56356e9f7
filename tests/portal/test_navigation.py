"""The menu and the links ask the role gate (may_open), so they offer exactly the pages a role may open."""

from __future__ import annotations

import pytest
from flask import url_for
from flask_login import AnonymousUserMixin

from portal.layout import NAVIGATION
from portal.security import Role, may_open
from tests.builders import make_partner, make_user


def test_may_open_follows_the_roles_the_view_requires(app, db):
    clerk = make_user(make_partner(), role=Role.PARTNER_USER)
    partner_admin = make_user(clerk.partner, role=Role.PARTNER_ADMIN)
    with app.test_request_context():
        assert may_open("orders.tokens", partner_admin) and not may_open("orders.tokens", clerk)
        assert may_open("orders.lines", clerk)  # no roles named: every logged-in user
        assert may_open("auth.login", AnonymousUserMixin()) and not may_open("orders.lines", AnonymousUserMixin())


@pytest.mark.parametrize("role", list(Role))
def test_every_menu_entry_opens_for_the_role_it_is_offered_to(app, client, login, db, every_partner, role):
    partner = make_partner() if role in (Role.PARTNER_USER, Role.PARTNER_ADMIN) else None
    login(make_user(partner, role=role))
    page = client.get("/").get_data(as_text=True)
    with app.test_request_context():
        urls = {endpoint: url_for(endpoint) for endpoint, _label, _audience in NAVIGATION}
    offered = [endpoint for endpoint, url in urls.items() if f'href="{url}"' in page]
    assert "home.index" in offered and len(offered) >= 5
    assert {
        endpoint: client.get(urls[endpoint], follow_redirects=True).status_code for endpoint in offered
    } == dict.fromkeys(offered, 200)
