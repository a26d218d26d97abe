"""`tail`: the events on the topics, filtered, as lines or JSON."""

import asyncio
import json
import os
import sys
from pathlib import Path

from portalflow_contracts.events import opportunity

SRC = Path(__file__).resolve().parents[1] / "src"


async def test_json_lines_are_the_opportunitys_envelopes_in_order(ops, publish, lifecycle,
                                                                  new_id):
    org, mine, other = new_id("org"), new_id("opp"), new_id("opp")
    sent = lifecycle(org, mine)
    await publish(*lifecycle(org, other), *sent)

    ran = await ops("tail", "--from-beginning", "--opportunity", mine, "--limit", "3",
                    "--json", "--timeout", "30")

    assert ran.status == 0
    lines = ran.json_lines()
    assert [line["id"] for line in lines] == [e.id for e in sent]
    assert lines[1]["type"] == opportunity.SubstateChanged.type
    assert lines[1]["data"]["to_substate_id"] == "s-offer"
    assert {(line["subject"], line["org_id"], line["topic"]) for line in lines} == {
        (mine, org, "portalflow.opportunities")}


async def test_a_line_reads_time_type_subject_org_and_key_fields(ops, publish, lifecycle,
                                                                 new_id):
    org, mine = new_id("org"), new_id("opp")
    await publish(*lifecycle(org, mine))

    ran = await ops("tail", "portalflow.opportunities", "--from-beginning", "--org", org,
                    "--type", "substate-changed", "--limit", "1", "--timeout", "30")

    [line] = ran.out.splitlines()
    assert "opportunity.substate-changed" in line and mine in line and org in line
    assert "s-docs → s-offer" in line
    assert "by=operator" in line and "reason=papers checked" in line


async def test_by_default_only_events_published_after_the_start_are_shown(
        ops, publish, lifecycle, new_id):
    org, mine = new_id("org"), new_id("opp")
    before, *after = lifecycle(org, mine)
    await publish(before)

    tailing = asyncio.create_task(ops("tail", "--opportunity", mine, "--json", "--limit", "2",
                                      "--timeout", "30"))
    await asyncio.sleep(3)  # time enough to find the end of every partition
    await publish(*after)
    ran = await tailing

    assert [line["id"] for line in ran.json_lines()] == [e.id for e in after]


async def test_the_command_takes_kafka_from_the_environment(stack, publish, lifecycle, new_id):
    org, mine = new_id("org"), new_id("opp")
    sent = lifecycle(org, mine)
    await publish(*sent)
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": stack.kafka_bootstrap,
           "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])}

    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "portalflow_ops.cli", "tail", "--from-beginning", "--org", org,
        "--json", "--limit", "3", "--timeout", "60", env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await process.communicate()

    assert process.returncode == 0, err.decode()
    assert [json.loads(line)["id"] for line in out.decode().splitlines()] == [e.id for e in sent]


async def test_an_unknown_topic_is_an_error_naming_it(ops):
    ran = await ops("tail", "portalflow.no-such-topic", "--timeout", "1")

    assert ran.status == 1
    assert "no such topic: portalflow.no-such-topic" in ran.err
