"""Login, sessions, CSRF, and the admin page for users and tokens."""
from bs4 import BeautifulSoup


def _csrf(client, path):
    html = client.get(path).get_data(as_text=True)
    return BeautifulSoup(html, "html.parser").find("input", {"name": "csrf_token"})["value"]


def test_login_with_wrong_password_is_refused(client, make_user, login):
    make_user("anna", ["reader"])
    answer = login("anna", "не тот пароль")
    assert answer.status_code == 401 and "Неверный логин или пароль" in answer.get_data(as_text=True)


def test_forms_need_the_csrf_token(app, client, make_user):
    app.config["WTF_CSRF_ENABLED"] = True
    make_user("anna", ["admin"])
    refused = client.post("/login", data={"login": "anna", "password": "пароль-тест"})
    assert refused.status_code == 400
    token = _csrf(client, "/login")
    accepted = client.post("/login", data={"login": "anna", "password": "пароль-тест", "csrf_token": token})
    assert accepted.status_code == 302


def test_api_write_from_a_browser_session_needs_the_csrf_header(app, client, make_user, seed):
    app.config["WTF_CSRF_ENABLED"] = True
    make_user("anna", ["admin"])
    token = _csrf(client, "/login")
    client.post("/login", data={"login": "anna", "password": "пароль-тест", "csrf_token": token})
    body = {"name": "Лицензирование"}
    assert client.post("/api/v1/process-groups", json=body).status_code == 401
    token = _csrf(client, "/")
    assert client.post("/api/v1/process-groups", json=body, headers={"X-CSRFToken": token}).status_code == 201


def test_login_redirect_stays_on_this_site(client, make_user):
    make_user("anna", ["reader"])
    answer = client.post("/login", data={"login": "anna", "password": "пароль-тест", "next": "//evil.example/"})
    assert answer.headers["Location"] == "/"


def test_admin_manages_users_tokens_and_anonymous_reading(client, make_user, login, seed):
    make_user("root", ["admin"])
    login("root")
    created = client.post("/admin/users", data={"login": "olga", "full_name": "Ольга", "password": "длинный-пароль",
                                                "roles": ["agency_editor"], "agency_ids": [str(seed.agency.id)]},
                          follow_redirects=True)
    assert "Пользователь «olga» создан" in created.get_data(as_text=True)
    user_url = [a["href"] for a in BeautifulSoup(created.get_data(as_text=True), "html.parser").find_all("a")
                if a.get_text() == "olga"][0]
    issued = client.post(f"{user_url}/tokens", data={"name": "Загрузка реестра"})
    secret = BeautifulSoup(issued.get_data(as_text=True), "html.parser").find("code").get_text()
    assert secret.startswith("cat_")
    assert client.get("/api/v1/processes", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    bad = client.post("/admin/users", data={"login": "olga", "full_name": "", "roles": ["agency_editor"]})
    assert bad.status_code == 422 and "уже занят" in bad.get_data(as_text=True)
    client.post("/admin/settings", data={})
    client.post("/logout")
    assert client.get("/api/v1/processes").status_code == 401


def test_non_admin_cannot_open_admin_pages(client, make_user, login):
    make_user("anna", ["architect"])
    login("anna")
    assert client.get("/admin/users").status_code == 403
    assert client.post("/admin/users", data={"login": "x", "full_name": "x", "roles": ["admin"]}).status_code == 403
