"""Opportunity-type changes that break a rule are refused, say why, and change nothing."""

from uuid import uuid4

from flow_admin import STATES, TYPES, create, layout, named, refused
from flows import ok

from portalflow_config.entrypoints.auth import READ_FLOWS, WRITE_OPPORTUNITIES


def test_an_archived_type_takes_no_changes_and_is_listed_only_when_asked(services):
    admin = services.admin()
    kept, gone = create(admin, "Autoconsumo"), create(admin, "Eólica")
    url = f"{TYPES}/{gone['opportunity_type_id']}"
    ok(admin.post(f"{url}/archive"))

    for refusal in (admin.put(f"{url}/name", json={"name": "Otra"}), admin.post(f"{url}/archive"),
                    admin.post(f"{url}/states", json={"name": "Nuevo"}),
                    admin.delete(f"{url}/substates/{named(gone, 'Revisión')['substate_id']}")):
        assert refusal.status_code == 409 and "archived" in refusal.json()["detail"]

    listed = admin.get(TYPES)
    assert listed.headers["ETag"]
    assert [t["name"] for t in ok(listed)] == ["Autoconsumo"]
    every = ok(admin.get(TYPES, params={"include_archived": "true"}))
    assert [(t["opportunity_type_id"], t["archived"], t["version"]) for t in every] == [
        (kept["opportunity_type_id"], False, 1), (gone["opportunity_type_id"], True, 2)]
    assert ok(services.admin().get(TYPES)) == []  # another org
    create(admin, "Eólica")  # an archived type's name is free again


def test_an_archived_type_gets_no_new_opportunities(services):
    admin = services.admin()
    type_id = create(admin)["opportunity_type_id"]
    ok(admin.post(f"{TYPES}/{type_id}/archive"))
    opened = admin.post("/v1/opportunities", json={"opportunity_type_id": type_id,
                                                   "title": "Casa"})
    assert opened.status_code == 409 and "archived" in opened.json()["detail"]


def test_names_positions_icons_and_colours_are_validated_naming_the_field(services):
    admin = services.admin()
    created = create(admin)
    url = f"{TYPES}/{created['opportunity_type_id']}"
    state_id = named(created, "Captación")["state_id"]
    substate_id = named(created, "Revisión")["substate_id"]

    refused(admin.post(TYPES, json={"name": "Otra", "states": [*STATES, STATES[1]]}), 422,
            ["states", 2, "name"], "'Oferta'")
    refused(admin.post(TYPES, json={"name": "autoconsumo", "states": STATES}), 422, ["name"],
            "already named 'autoconsumo'")
    refused(admin.put(f"{url}/name", json={"name": "   "}), 422, ["name"], "at least 1")
    refused(admin.post(f"{url}/states", json={"name": "x" * 201}), 422, ["name"], "at most 200")
    refused(admin.post(f"{url}/states", json={"name": "OFERTA"}), 422, ["name"], "'OFERTA'")
    refused(admin.put(f"{url}/states/{state_id}/name", json={"name": "Oferta"}), 422, ["name"])
    refused(admin.post(f"{url}/states", json={"name": "Nuevo", "position": 3}), 422,
            ["position"], "0 to 2")
    refused(admin.post(f"{url}/states", json={"name": "Nuevo", "icon": "Sun!"}), 422, ["icon"],
            "file-text")
    refused(admin.put(f"{url}/states/{state_id}/appearance", json={"colour": "red"}), 422,
            ["colour"], "#rrggbb")
    refused(admin.post(f"{url}/states/{state_id}/substates", json={"name": "revisión"}), 422,
            ["name"], "'revisión'")
    refused(admin.put(f"{url}/substates/{substate_id}/name", json={"name": "Documentación"}),
            422, ["name"])
    refused(admin.put(f"{url}/state-order", json={"state_ids": [state_id, "ghost"]}), 422,
            ["state_ids"], f"missing: {named(created, 'Oferta')['state_id']}", "ghost")
    refused(admin.put(f"{url}/states/{state_id}/substate-order",
                      json={"substate_ids": [substate_id, substate_id]}), 422,
            ["substate_ids"], "listed twice", "missing")
    assert admin.put(f"{url}/states/ghost/name", json={"name": "X"}).status_code == 404
    assert admin.delete(f"{url}/substates/ghost").status_code == 404
    assert ok(admin.get(url))["version"] == 1  # nothing refused was written


def test_a_flow_keeps_at_least_one_state_with_one_substate(services):
    admin = services.admin()
    created = create(admin, states=[{"name": "Único", "substates": [{"name": "Solo"}]}])
    url = f"{TYPES}/{created['opportunity_type_id']}"
    only = named(created, "Único")
    ok(admin.post(f"{url}/states", json={"name": "Vacío"}), 201)
    refused(admin.delete(f"{url}/substates/{only['substates'][0]['substate_id']}"), 422,
            ["substate_id"], "at least one state with one substate")
    refused(admin.delete(f"{url}/states/{only['state_id']}"), 422, ["state_id"])


def test_other_orgs_get_404_and_callers_without_the_permission_403(services):
    org = f"org-{uuid4().hex[:8]}"
    admin = services.admin(org)
    created = create(admin)
    url = f"{TYPES}/{created['opportunity_type_id']}"
    state_id = named(created, "Captación")["state_id"]
    stranger = services.admin()
    for response in (stranger.get(url), stranger.put(f"{url}/name", json={"name": "Mío"}),
                     stranger.post(f"{url}/archive"),
                     stranger.post(f"{url}/states", json={"name": "Mío"}),
                     stranger.put(f"{url}/state-order", json={"state_ids": [state_id]}),
                     stranger.delete(f"{url}/states/{state_id}")):
        assert response.status_code == 404, response.text

    reader = services.admin(org, permissions=[READ_FLOWS])
    assert ok(reader.get(url))["name"] == "Autoconsumo" and ok(reader.get(TYPES))
    for response in (reader.put(f"{url}/name", json={"name": "Otro"}),
                     reader.post(f"{url}/states/{state_id}/substates", json={"name": "Otro"}),
                     reader.delete(f"{url}/states/{state_id}")):
        assert response.status_code == 403
        assert "opportunity-states:modify" in response.json()["detail"]
    outsider = services.admin(org, permissions=[WRITE_OPPORTUNITIES])
    assert outsider.get(TYPES).status_code == 403
    assert ok(admin.get(url))["version"] == 1


def test_a_change_based_on_a_stale_etag_gets_412_and_changes_nothing(services):
    admin = services.admin()
    created = create(admin)
    url = f"{TYPES}/{created['opportunity_type_id']}"
    etag = admin.get(url).headers["ETag"]
    first = admin.put(f"{url}/name", json={"name": "Mío"}, headers={"If-Match": etag})
    assert first.status_code == 200 and first.headers["ETag"] == '"2"'

    late = admin.post(f"{url}/states", json={"name": "Tuyo"}, headers={"If-Match": etag})
    assert late.status_code == 412 and "reload" in late.json()["detail"]
    assert [s["name"] for s in ok(admin.get(url))["states"]] == ["Captación", "Oferta"]


def test_removing_what_an_external_action_or_an_opportunity_points_at_lists_them(services):
    admin = services.admin()
    created = create(admin)
    type_id, url = created["opportunity_type_id"], f"{TYPES}/{created['opportunity_type_id']}"
    docs, review = (named(created, n)["substate_id"] for n in ("Documentación", "Revisión"))
    ok(admin.put(f"{url}/external-actions/accept-budget", json={"target_substate_id": review}))
    opened = [ok(admin.post("/v1/opportunities", json={
        "opportunity_type_id": type_id, "title": f"Casa {n}", "substate_id": docs}), 201)
        ["opportunity_id"] for n in range(2)]

    mapped = admin.delete(f"{url}/substates/{review}")
    assert mapped.status_code == 409, mapped.text
    assert mapped.json()["references"] == {"external_actions": ["accept-budget"],
                                           "opportunities": []}
    occupied = admin.delete(f"{url}/substates/{docs}")
    assert occupied.status_code == 409 and "Documentación" in occupied.json()["detail"]
    assert occupied.json()["references"] == {"external_actions": [],
                                             "opportunities": sorted(opened)}
    state = admin.delete(f"{url}/states/{named(created, 'Captación')['state_id']}")
    assert state.json()["references"] == {"external_actions": ["accept-budget"],
                                          "opportunities": sorted(opened)}

    offer = named(created, "Oferta enviada")["substate_id"]
    for opportunity_id in opened:  # once moved on, they no longer hold the substate
        ok(admin.post(f"/v1/opportunities/{opportunity_id}/substate",
                      json={"substate_id": offer, "reason": "seguimos"}))
    assert layout(ok(admin.delete(f"{url}/substates/{docs}")))[0] == ("Captación", ["Revisión"])
