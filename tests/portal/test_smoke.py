from tests.builders import make_partner, make_user


def test_home_redirects_anonymous_visitor_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_partner_user_sees_own_partner_on_home(client, login, every_partner):
    partner = make_partner(name="华南电子有限公司")
    user = make_user(partner)
    login(user)
    response = client.get("/")
    assert response.status_code == 200
    assert "华南电子有限公司" in response.get_data(as_text=True)
