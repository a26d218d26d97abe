"""Managing opportunity types, states and substates over HTTP; each change a published event."""

from flow_admin import TYPES, create, layout, named
from flows import configure_flow, ok, open_with_access

from portalflow_contracts.topics import FLOW_DEFINITIONS
from portalflow_devstack.testing import eventually, published


async def test_a_type_is_created_renamed_and_archived_and_each_change_published(services):
    admin = services.admin()
    created = create(admin)
    type_id, url = created["opportunity_type_id"], f"{TYPES}/{created['opportunity_type_id']}"
    assert (created["version"], created["archived"]) == (1, False)
    assert [(s["icon"], s["colour"]) for s in created["states"]] == [
        ("file-text", "#1e88e5"), (None, None)]

    renamed = admin.put(f"{url}/name", json={"name": "  Autoconsumo 2026 "})
    assert ok(renamed)["name"] == "Autoconsumo 2026" and renamed.headers["ETag"] == '"2"'
    archived = admin.post(f"{url}/archive")
    assert ok(archived)["archived"] is True and archived.headers["ETag"] == '"3"'
    shown = admin.get(url)
    assert ok(shown)["archived"] is True and shown.headers["ETag"] == '"3"'

    events = await published(services, FLOW_DEFINITIONS, type_id, 3)
    assert [e.type for e in events] == ["portalflow.flow.opportunity-type-created.v1",
                                        "portalflow.flow.opportunity-type-renamed.v1",
                                        "portalflow.flow.opportunity-type-archived.v1"]
    assert events[0].data["states"][0]["colour"] == "#1e88e5"
    assert events[1].data == {"opportunity_type_id": type_id, "name": "Autoconsumo 2026"}


async def test_states_are_added_renamed_restyled_reordered_and_removed(services):
    admin = services.admin()
    created = create(admin)
    type_id, url = created["opportunity_type_id"], f"{TYPES}/{created['opportunity_type_id']}"
    added = ok(admin.post(f"{url}/states", json={
        "name": "Estudio", "position": 1, "icon": "sun", "colour": "#F5A623"}), 201)
    assert layout(added) == [("Captación", ["Documentación", "Revisión"]), ("Estudio", []),
                             ("Oferta", ["Oferta enviada"])]
    study = named(added, "Estudio")["state_id"]
    assert (named(added, "Estudio")["icon"], named(added, "Estudio")["colour"]) == (
        "sun", "#f5a623")

    ok(admin.put(f"{url}/states/{study}/name", json={"name": "Estudio técnico"}))
    restyled = ok(admin.put(f"{url}/states/{study}/appearance", json={"icon": "ruler"}))
    assert (named(restyled, "Estudio técnico")["icon"],
            named(restyled, "Estudio técnico")["colour"]) == ("ruler", None)
    order = [s["state_id"] for s in reversed(restyled["states"])]
    reordered = ok(admin.put(f"{url}/state-order", json={"state_ids": order}))
    assert [s["state_id"] for s in reordered["states"]] == order
    removed = admin.delete(f"{url}/states/{study}")
    assert layout(ok(removed)) == [("Oferta", ["Oferta enviada"]),
                                   ("Captación", ["Documentación", "Revisión"])]
    assert removed.headers["ETag"] == '"6"'

    events = await published(services, FLOW_DEFINITIONS, type_id, 6)
    assert [e.type.split(".")[2] for e in events[1:]] == [
        "state-added", "state-renamed", "state-appearance-changed", "states-reordered",
        "state-removed"]
    assert events[1].data == {"opportunity_type_id": type_id, "state_id": study,
                              "name": "Estudio", "position": 1, "icon": "sun",
                              "colour": "#f5a623"}
    assert events[4].data["state_ids"] == order


async def test_substates_are_added_renamed_reordered_and_removed_with_their_config(services):
    admin = services.admin()
    created = create(admin)
    type_id, url = created["opportunity_type_id"], f"{TYPES}/{created['opportunity_type_id']}"
    state_id = named(created, "Captación")["state_id"]
    added = ok(admin.post(f"{url}/states/{state_id}/substates",
                          json={"name": "Llamada", "position": 0}), 201)
    call = named(added, "Llamada")["substate_id"]
    ok(admin.put(f"{url}/substates/{call}/portal", json={"public_name": {"es": "Te llamamos"}}))
    renamed = ok(admin.put(f"{url}/substates/{call}/name", json={"name": "Llamada inicial"}))
    assert layout(renamed)[0] == ("Captación", ["Llamada inicial", "Documentación", "Revisión"])
    assert named(renamed, "Llamada inicial")["portal"]["public_name"] == {"es": "Te llamamos"}

    order = [s["substate_id"] for s in reversed(named(renamed, "Captación")["substates"])]
    reordered = ok(admin.put(f"{url}/states/{state_id}/substate-order",
                             json={"substate_ids": order}))
    assert layout(reordered)[0] == ("Captación", ["Revisión", "Documentación", "Llamada inicial"])
    ok(admin.delete(f"{url}/substates/{call}"))
    readded = ok(admin.post(f"{url}/states/{state_id}/substates", json={"name": "Llamada"}), 201)
    assert named(readded, "Llamada")["portal"] is None  # the old config went with the substate

    events = await published(services, FLOW_DEFINITIONS, type_id, 7)
    assert [e.type.split(".")[2] for e in events[1:]] == [
        "substate-added", "substate-portal-config-saved", "substate-renamed",
        "substates-reordered", "substate-removed", "substate-added"]
    assert events[1].data == {"opportunity_type_id": type_id, "state_id": state_id,
                              "substate_id": call, "name": "Llamada", "position": 0}
    assert events[5].data == {"opportunity_type_id": type_id, "state_id": state_id,
                              "substate_id": call}


def test_the_customer_sees_states_in_the_new_order_with_icons_and_the_steps_around(services):
    admin = services.admin()
    flow = configure_flow(admin)
    opportunity_id, token, _ = open_with_access(admin, flow, "Oferta enviada", offers=0)
    customer = services.customer(token)
    url = f"{TYPES}/{flow.opportunity_type_id}"
    definition = ok(admin.get(url))
    order = [s["state_id"] for s in reversed(definition["states"])]
    ok(admin.put(f"{url}/state-order", json={"state_ids": order}))
    ok(admin.put(f"{url}/states/{order[0]}/appearance",
                 json={"icon": "tools", "colour": "#00aa55"}))

    def reordered():
        view = ok(customer.get(f"/v1/portal/opportunities/{opportunity_id}"))
        return view if view["states"][0]["icon"] == "tools" else None

    view = eventually(reordered)
    assert [s["state_id"] for s in view["states"]] == order
    assert (view["states"][0]["public_name"], view["states"][0]["colour"]) == (
        "Instalación", "#00aa55")
    assert [s["status"] for s in view["states"]] == ["skipped", "current", "upcoming"]
    assert {k: s and s["public_name"] for k, s in view["steps"].items()} == {
        "previous": "Visita", "current": "Oferta enviada", "next": "Oferta aceptada"}
