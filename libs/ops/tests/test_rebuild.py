"""`rebuild-read-model`: rebuilt from the topics, the read model equals the live one."""

import json

import asyncpg
from flows import configure_flow, ok, open_with_access

from portalflow_contracts.topics import FLOW_DEFINITIONS, OPPORTUNITIES
from portalflow_devstack.testing import eventually, until
from portalflow_eventing.migrations import migrate
from portalflow_ops import rebuild, rebuild_checks
from portalflow_portal.adapters.projection import HANDLERS
from portalflow_portal.bootstrap import READ_MODEL_GROUP
from portalflow_portal.config import MIGRATIONS


async def test_a_rebuilt_read_model_equals_the_live_one_row_for_row(services, stack, ops,
                                                                    new_id):
    org = new_id("org")
    flow = drive_a_few_opportunities(services, org)
    await until_the_portal_applied_every_event_of(services, org)
    target = stack.database_url_for(new_id("rebuilt").replace("-", "_"))
    conn = await asyncpg.connect(target)
    try:
        await migrate(conn, *MIGRATIONS)
    finally:
        await conn.close()
    group = new_id("ops-test-read-model")  # the live portal's group is left alone

    report = await rebuild.rebuild_read_model(target, stack.kafka_bootstrap, group=group,
                                              batch_size=50)

    live = await rows_of(services.portal.env["DATABASE_URL"], org)
    rebuilt = await rows_of(target, org)
    assert_same_rows(rebuilt, live)
    assert [len(live[t]) for t in ("flows", "portal_opportunities", "portal_access")] == [1, 3, 2]
    assert [json.loads(r)["substate_id"] for r in rebuilt["portal_opportunities"]].count(
        flow.substates["Oferta aceptada"]) == 1
    assert [f for f in report.failed if f.org_id == org] == []
    committed = {(r["topic"], r["partition"]): r["committed"]
                 for r in (await ops("lag", "--group", group, "--json")).json_lines()}
    assert committed == {(tp.topic, tp.partition): offset
                         for tp, offset in report.end_offsets.items()}

    # Again, through the command line, over the read model just built: the same rows.
    ran = await ops("rebuild-read-model", "--database-url", target, "--group", group, "--yes")
    assert "rebuilt" in ran.out and org not in ran.out
    assert_same_rows(await rows_of(target, org), live)


def drive_a_few_opportunities(services, org: str):
    """Three opportunities: one accepted by its customer, one moved, one's access revoked."""
    admin = services.admin(org)
    flow = configure_flow(admin)
    accepted, token, (chosen, _) = open_with_access(admin, flow, "Oferta enviada")
    moved, _, _ = open_with_access(admin, flow, "Documentación", offers=1)
    revoked, _, _ = open_with_access(admin, flow, "Documentación", offers=0)
    ok(admin.post(f"/v1/opportunities/{moved}/substate",
                  json={"substate_id": flow.substates["Visita"], "reason": "test"}))
    ok(admin.delete(f"/v1/opportunities/{revoked}/portal-access"))
    customer = services.customer(token)
    eventually(lambda: customer.get(f"/v1/portal/opportunities/{accepted}").status_code == 200)
    ok(customer.post(f"/v1/portal/opportunities/{accepted}/offers/{chosen}/accept"), 202)
    eventually(lambda: customer.get(f"/v1/portal/opportunities/{accepted}").json()[
        "current"]["substate_id"] == flow.substates["Oferta aceptada"])
    return flow


async def until_the_portal_applied_every_event_of(services, org: str) -> None:
    """Wait until the live read model has applied every projected event config-service stored."""
    config = await asyncpg.connect(services.config.env["DATABASE_URL"])
    portal = await asyncpg.connect(services.portal.env["DATABASE_URL"])
    try:
        ids = [r["event_id"] for r in await config.fetch(
            "SELECT event_id::text FROM events WHERE org_id = $1 AND topic = ANY($2::text[])"
            " AND type = ANY($3::text[])", org, [FLOW_DEFINITIONS, OPPORTUNITIES],
            list(HANDLERS))]
        assert ids
        await until(lambda: _all_processed(portal, ids), timeout=30)
    finally:
        await config.close()
        await portal.close()


async def _all_processed(portal: asyncpg.Connection, ids: list[str]) -> bool:
    return await portal.fetchval(
        "SELECT count(*) FROM processed_events WHERE consumer_group = $1"
        " AND event_id = ANY($2::text[])", READ_MODEL_GROUP, ids) == len(ids)


def assert_same_rows(rebuilt: dict[str, list[str]], live: dict[str, list[str]]) -> None:
    """Fail naming each table that differs, with the rows only one side has."""
    differences = [f"{table}:\n  only rebuilt: {sorted(set(rebuilt[table]) - set(rows))}"
                   f"\n  only live:    {sorted(set(rows) - set(rebuilt[table]))}"
                   for table, rows in live.items() if rebuilt.get(table) != rows]
    assert rebuilt.keys() == live.keys()
    assert not differences, "\n".join(differences)


async def rows_of(database_url: str, org: str) -> dict[str, list[str]]:
    """Every read-model row of `org`, per table, as sorted JSON texts."""
    conn = await asyncpg.connect(database_url)
    try:
        found = {}
        for table in await rebuild_checks.read_model_tables(conn):
            columns = {r["column_name"] for r in await conn.fetch(
                "SELECT column_name FROM information_schema.columns"
                " WHERE table_schema = current_schema() AND table_name = $1", table)}
            if "org_id" in columns:
                where = "org_id = $1"
            elif "opportunity_id" in columns:
                where = ("opportunity_id IN (SELECT opportunity_id FROM portal_opportunities"
                         " WHERE org_id = $1)")
            else:
                raise AssertionError(f"cannot tell which org a row of {table} belongs to")
            rows = await conn.fetch(f'SELECT * FROM "{table}" WHERE {where}', org)
            found[table] = sorted(json.dumps(dict(r), sort_keys=True, default=str)
                                  for r in rows)
        return found
    finally:
        await conn.close()
