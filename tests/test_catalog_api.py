"""The org's catalog through the admin API: dynamic fields, conditions, portal settings."""

from concurrent.futures import ThreadPoolExecutor
from uuid import uuid4

import pytest
from flows import ok

from portalflow_config.entrypoints.auth import READ_FLOWS
from portalflow_contracts.topics import FLOW_DEFINITIONS
from portalflow_devstack.testing import published

CATALOG = "portalflow.catalog."
SUPPLY = {"key": "supply", "label": {"es": "Suministro"}, "type": "select",
          "options": [{"value": "mono", "label": {"es": "Monofásica"}},
                      {"value": "tri", "label": {"es": "Trifásica"}}]}
PRIVACY = {"title": {"es": "Privacidad"}, "text": {"es": "Acepto la política de privacidad."}}


def new_org(services, **options):
    org_id = f"org-{uuid4().hex[:8]}"
    return org_id, services.admin(org_id, **options)


def refusal(response, status: int = 422):
    assert response.status_code == status, f"{response.status_code}: {response.text}"
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    return body["errors"] if "errors" in body else body["detail"]


async def test_a_dynamic_field_is_defined_read_updated_and_retired(services):
    org_id, admin = new_org(services)
    created = admin.post("/v1/dynamic-fields", json=SUPPLY)
    field = ok(created, 201)
    url = f"/v1/dynamic-fields/{field['field_id']}"
    assert created.headers["ETag"] == '"1"' and field["type"] == "select"
    assert ok(admin.get(url)) == field and ok(admin.get("/v1/dynamic-fields")) == [field]

    label = {"es": "Tipo de suministro"}
    updated = ok(admin.put(url, json={"label": label, "options": SUPPLY["options"][:1]},
                           headers={"If-Match": '"1"'}))
    assert updated["label"] == label and updated["etag"] == '"2"'
    retired = admin.post(f"{url}/retire")
    assert ok(retired)["retired"] is True and retired.headers["ETag"] == '"3"'
    assert ok(admin.get("/v1/dynamic-fields")) == []
    assert ok(admin.get("/v1/dynamic-fields?include_retired=true")) == [ok(retired)]

    events = await published(services, FLOW_DEFINITIONS, field["field_id"], 3)
    assert [e.type.removeprefix(CATALOG) for e in events] == [
        "dynamic-field-defined.v1", "dynamic-field-updated.v1", "dynamic-field-retired.v1"]
    assert {e.org_id for e in events} == {org_id}
    assert events[0].data == {"field_id": field["field_id"], "key": "supply",
                              "label": SUPPLY["label"], "field_type": "select",
                              "options": SUPPLY["options"]}
    assert events[1].data["label"] == label and len(events[1].data["options"]) == 1


async def test_a_condition_is_published_revised_and_retired_with_its_own_version(services):
    org_id, admin = new_org(services)
    created = admin.post("/v1/conditions", json=PRIVACY)
    condition = ok(created, 201)
    url = f"/v1/conditions/{condition['condition_id']}"
    assert condition["version"] == 1 and created.headers["ETag"] == '"1"'

    revised = ok(admin.post(f"{url}/revisions", json={**PRIVACY, "text": {"es": "Nueva."}},
                            headers={"If-Match": '"1"'}), 201)
    assert revised["version"] == 2 and revised["text"] == {"es": "Nueva."}
    assert ok(admin.get(url)) == revised and ok(admin.get("/v1/conditions")) == [revised]
    assert ok(admin.post(f"{url}/retire"))["retired"] is True
    assert ok(admin.get("/v1/conditions")) == []
    assert refusal(admin.post(f"{url}/revisions", json=PRIVACY), 409).endswith(
        "is retired and cannot be changed; only active ones can")

    events = await published(services, FLOW_DEFINITIONS, condition["condition_id"], 3)
    assert [(e.type.removeprefix(CATALOG), e.data.get("version")) for e in events] == [
        ("condition-published.v1", 1), ("condition-revised.v1", 2),
        ("condition-retired.v1", None)]
    assert events[1].data["text"] == {"es": "Nueva."} and events[0].org_id == org_id


async def test_portal_settings_default_until_saved_whole(services):
    org_id, admin = new_org(services)
    defaults = admin.get("/v1/portal-settings")
    assert defaults.headers["ETag"] == '"0"' and ok(defaults) == {
        "locales": ["es"], "default_locale": "es", "reactivation_enabled": False,
        "end_of_process_texts": {"success": None, "failure": None}, "branding": None,
        "etag": '"0"'}
    settings = {"locales": ["es", "it"], "default_locale": "es", "reactivation_enabled": True,
                "end_of_process_texts": {"success": {"es": "¡Instalación terminada!"},
                                         "failure": {"es": "Proyecto cerrado", "it": "Chiuso"}},
                "branding": {"company_name": "Sol SL", "logo_url": "https://sol.example/l.png",
                             "colour": "#F5A623"}}
    saved = ok(admin.put("/v1/portal-settings", json=settings, headers={"If-Match": '"0"'}))
    expected = {**settings, "branding": {**settings["branding"], "colour": "#f5a623"}}
    assert saved == {**expected, "etag": '"1"'} and ok(admin.get("/v1/portal-settings")) == saved
    [event] = await published(services, FLOW_DEFINITIONS, f"portal-settings:{org_id}", 1)
    assert event.type == f"{CATALOG}portal-settings-saved.v1" and event.data == expected


def test_texts_follow_the_orgs_locales_and_dropping_one_later_is_allowed(services):
    _, admin = new_org(services)
    italian = {**SUPPLY, "label": {"es": "Suministro", "it": "Fornitura"}}
    assert refusal(admin.post("/v1/dynamic-fields", json=italian))[0]["loc"] == \
        ["body", "label", "it"]
    ok(admin.put("/v1/portal-settings", json={"locales": ["es", "it"], "default_locale": "es"}))
    field = ok(admin.post("/v1/dynamic-fields", json=italian), 201)
    ok(admin.put("/v1/portal-settings", json={"locales": ["es"], "default_locale": "es"}))
    assert ok(admin.get(f"/v1/dynamic-fields/{field['field_id']}"))["label"] == italian["label"]


@pytest.mark.parametrize(("path", "body", "loc", "says"), [
    ("/v1/dynamic-fields", {**SUPPLY, "key": "Tipo Suministro"}, ["key"], "^[a-z]"),
    ("/v1/dynamic-fields", {**SUPPLY, "type": "photo"}, ["type"], "'long-text'"),
    ("/v1/dynamic-fields", {**SUPPLY, "type": "text"}, ["options"], "only select fields"),
    ("/v1/dynamic-fields", {**SUPPLY, "options": []}, ["options"], "at least one option"),
    ("/v1/dynamic-fields", {**SUPPLY, "options": SUPPLY["options"][:1] * 2},
     ["options", 1, "value"], "each option needs its own value"),
    ("/v1/dynamic-fields", {**SUPPLY, "options": [SUPPLY["options"][0], {
        "value": "x", "label": {}}]}, ["options", 1, "label"], "supported locales: es"),
    ("/v1/dynamic-fields", {**SUPPLY, "label": {"es": "S", "fr": "A"}}, ["label", "fr"],
     "not a locale of this org's portal; supported locales: es"),
    ("/v1/conditions", {**PRIVACY, "title": {"it": "Privacy"}}, ["title", "it"],
     "supported locales: es"),
    ("/v1/portal-settings", {"locales": [], "default_locale": "es"}, ["locales"], "at least 1"),
    ("/v1/portal-settings", {"locales": ["es", "it"], "default_locale": "fr"},
     ["default_locale"], "choose one of: es, it"),
    ("/v1/portal-settings", {"locales": ["es"], "default_locale": "es",
                             "end_of_process_texts": {"success": {"es": "Fin", "it": "Fine"}}},
     ["end_of_process_texts", "success", "it"], "supported locales: es"),
    ("/v1/portal-settings", {"locales": ["es"], "default_locale": "es",
                             "branding": {"company_name": "Sol", "colour": "orange"}},
     ["branding", "colour"], "#[0-9a-fA-F]{6}"),
    ("/v1/portal-settings", {"locales": ["es"], "default_locale": "es",
                             "branding": {"company_name": "Sol", "logo_url": "ftp://sol/l"}},
     ["branding", "logo_url"], "'http' or 'https'"),
])
def test_invalid_catalog_input_gets_422_naming_the_field_and_what_is_accepted(
        services, path, body, loc, says):
    _, admin = new_org(services)
    settings = path == "/v1/portal-settings"
    [error] = refusal((admin.put if settings else admin.post)(path, json=body))
    assert error["loc"] == ["body", *loc] and says in error["msg"], error
    after = admin.get(path)
    assert (after.headers["ETag"] == '"0"') if settings else (ok(after) == [])


def test_a_key_in_use_and_a_type_change_are_refused_and_retiring_twice_conflicts(services):
    _, admin = new_org(services)
    field = ok(admin.post("/v1/dynamic-fields", json=SUPPLY), 201)
    [error] = refusal(admin.post("/v1/dynamic-fields", json=SUPPLY))
    assert error["loc"] == ["body", "key"] and "another active field" in error["msg"]
    url = f"/v1/dynamic-fields/{field['field_id']}"
    [error] = refusal(admin.put(url, json={"label": {"es": "S"}, "type": "text"}))
    assert error["loc"] == ["body", "type"] and "never changes" in error["msg"]
    ok(admin.post(f"{url}/retire"))
    assert "retired" in refusal(admin.post(f"{url}/retire"), 409)
    assert "retired" in refusal(admin.put(url, json={"label": {"es": "S"}}), 409)
    assert ok(admin.post("/v1/dynamic-fields", json=SUPPLY), 201)["key"] == "supply"


def test_of_concurrent_definitions_with_one_key_exactly_one_is_defined(services):
    _, admin = new_org(services)
    with ThreadPoolExecutor(8) as pool:
        codes = sorted(pool.map(lambda _: admin.post("/v1/dynamic-fields", json=SUPPLY)
                                .status_code, range(8)))
    assert codes == [201] + [422] * 7 and len(ok(admin.get("/v1/dynamic-fields"))) == 1


def test_a_write_with_a_stale_etag_gets_412_and_changes_nothing(services):
    _, admin = new_org(services)
    field = ok(admin.post("/v1/dynamic-fields", json=SUPPLY), 201)
    url = f"/v1/dynamic-fields/{field['field_id']}"
    first, second = ({"label": {"es": name}, "options": SUPPLY["options"]} for name in "AB")
    ok(admin.put(url, json=first, headers={"If-Match": field["etag"]}))
    assert "reload" in refusal(admin.put(url, json=second, headers={"If-Match": field["etag"]}),
                               412)
    assert ok(admin.get(url))["label"] == {"es": "A"}
    settings = {"locales": ["es"], "default_locale": "es"}
    ok(admin.put("/v1/portal-settings", json=settings, headers={"If-Match": '"0"'}))
    refusal(admin.put("/v1/portal-settings", json=settings, headers={"If-Match": '"0"'}), 412)


def test_another_orgs_catalog_is_not_found(services):
    _, admin = new_org(services)
    field = ok(admin.post("/v1/dynamic-fields", json=SUPPLY), 201)
    condition = ok(admin.post("/v1/conditions", json=PRIVACY), 201)
    ok(admin.put("/v1/portal-settings", json={"locales": ["es", "it"], "default_locale": "it"}))
    _, stranger = new_org(services)
    for url in (f"/v1/dynamic-fields/{field['field_id']}",
                f"/v1/conditions/{condition['condition_id']}"):
        assert refusal(stranger.get(url), 404).endswith("not found")
        assert stranger.post(f"{url}/retire").status_code == 404
    assert stranger.put(f"/v1/dynamic-fields/{field['field_id']}",
                        json={"label": {"es": "X"}}).status_code == 404
    assert ok(stranger.get("/v1/dynamic-fields")) == []
    assert ok(stranger.get("/v1/portal-settings"))["locales"] == ["es"]


def test_changes_need_modify_and_reads_need_read(services):
    _, reader = new_org(services, permissions=[READ_FLOWS])
    assert ok(reader.get("/v1/dynamic-fields")) == []
    for path in ("/v1/dynamic-fields", "/v1/conditions"):
        assert "'opportunity-states:modify'" in refusal(reader.post(path, json={}), 403)
    assert "'opportunity-states:read'" in refusal(
        new_org(services, permissions=[])[1].get("/v1/conditions"), 403)
