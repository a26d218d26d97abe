"""deploy/: the compose stack, the images and their README, checked by parsing them.

No Docker engine runs where Portalflow is developed, so nothing here builds or starts a
container; these tests hold the files to the code they deploy (topics, consumer groups, settings,
console scripts, workspace members), so that a change on either side that breaks the deployment
fails here.
"""

import ast
import fnmatch
import json
import re
import shlex
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml

from portalflow_config.config import Settings as ConfigSettings
from portalflow_contracts.topics import DEAD_LETTER_PARTITIONS, PARTITIONS, dead_letter_topic
from portalflow_portal.config import Settings as PortalSettings

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
BLOBS = "/var/lib/portalflow/blobs"
RUNTIME_MODULE = "portalflow_eventing.runtime"

APPS = {  # compose service: (distribution, console script, port, settings)
    "config-service": ("portalflow-config", "portalflow-config", 8001, ConfigSettings),
    "portal-service": ("portalflow-portal", "portalflow-portal", 8002, PortalSettings),
}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def _pyproject(path: Path) -> dict:
    return tomllib.loads((path / "pyproject.toml").read_text())


def _members() -> dict[str, Path]:
    """Workspace members by distribution name."""
    paths = _pyproject(ROOT)["tool"]["uv"]["workspace"]["members"]
    return {_pyproject(ROOT / p)["project"]["name"]: Path(p) for p in paths}


def _workspace_closure(distribution: str) -> set[str]:
    """The distribution and every workspace member it depends on, transitively."""
    members, seen, todo = _members(), set(), [distribution]
    while todo:
        name = todo.pop()
        seen.add(name)
        for dep in _pyproject(ROOT / members[name])["project"].get("dependencies", []):
            dep_name = re.split(r"[\s\[<>=!~;]", dep, maxsplit=1)[0]
            if dep_name in members and dep_name not in seen:
                todo.append(dep_name)
    return seen


def _consumer_groups() -> set[str]:
    """Every group given to portalflow_eventing's `Subscription(...)` in the services' sources."""
    groups = set()
    for source in ROOT.glob("services/*/src/**/*.py"):
        tree = ast.parse(source.read_text())
        imported_as = {alias.asname or alias.name for node in tree.body
                       if isinstance(node, ast.ImportFrom) and node.module == RUNTIME_MODULE
                       for alias in node.names if alias.name == "Subscription"}
        constants = {target.id: node.value.value for node in tree.body
                     if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
                     for target in node.targets if isinstance(target, ast.Name)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in imported_as:
                group = node.args[0] if node.args else next(
                    k.value for k in node.keywords if k.arg == "group")
                groups.add(group.value if isinstance(group, ast.Constant)
                           else constants[group.id])
    return groups


def _required_interpolation(value: str, name: str) -> re.Match | None:
    """Matches `${NAME:?message}`: compose refuses to start while NAME is unset."""
    return re.fullmatch(r"\$\{" + name + r":\?[^}]+\}", value)


# --- compose: the stack ---------------------------------------------------------------------


def test_every_long_running_service_has_a_healthcheck_and_one_shots_do_not_restart(compose):
    for name, service in compose["services"].items():
        if service.get("restart") == "no":  # a one-shot: something waits for it to complete
            assert "ports" not in service, name
            waiters = [s for s in compose["services"].values() if s.get("depends_on", {})
                       .get(name, {}).get("condition") == "service_completed_successfully"]
            assert waiters, f"nothing waits for one-shot {name}"
        else:
            assert service.get("restart") in ("unless-stopped", "always"), name
            test = service.get("healthcheck", {}).get("test")
            assert test and test[0] in ("CMD", "CMD-SHELL"), f"{name} has no healthcheck"


def test_both_services_wait_for_healthy_postgres_and_kafka_and_the_created_topics(compose):
    for name in APPS:
        depends = compose["services"][name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy", name
        assert depends["kafka"]["condition"] == "service_healthy", name
        assert depends["topics"]["condition"] == "service_completed_successfully", name


def test_kafka_runs_kraft_with_explicit_topics_and_unlimited_retention(compose):
    kafka = compose["services"]["kafka"]
    env = kafka["environment"]
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    voters = env["KAFKA_CONTROLLER_QUORUM_VOTERS"].split(",")
    assert f"{env['KAFKA_NODE_ID']}@kafka:9093" in voters
    listeners = dict(item.split("://") for item in env["KAFKA_LISTENERS"].split(","))
    advertised = dict(item.split("://") for item in env["KAFKA_ADVERTISED_LISTENERS"].split(","))
    assert listeners[env["KAFKA_CONTROLLER_LISTENER_NAMES"]] == ":9093"
    assert env["KAFKA_CONTROLLER_LISTENER_NAMES"] not in advertised  # controllers are private
    assert advertised[env["KAFKA_INTER_BROKER_LISTENER_NAME"]] == "kafka:9092"
    assert set(advertised) <= set(listeners)
    protocols = env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"]
    assert set(listeners) == {item.split(":")[0] for item in protocols.split(",")}
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    assert env["KAFKA_LOG_RETENTION_MS"] == "-1"
    assert f"kafka-data:{env['KAFKA_LOG_DIRS']}" in kafka["volumes"]
    assert compose["services"]["topics"]["image"] == kafka["image"]


def _topics_script(compose) -> str:
    command = compose["services"]["topics"]["command"]
    assert command[:2] == ["/bin/sh", "-ec"]
    script = command[2]
    # `$$` is compose's escape for a literal `$`: a lone `$` would be substituted by compose.
    assert "$" not in script.replace("$$", ""), "unescaped $ in the topics script"
    return script.replace("$$", "$")


def test_topics_job_creates_exactly_the_contract_topics_and_dead_letter_topics(compose):
    script = _topics_script(compose)
    created = {m[1]: int(m[2]) for m in re.finditer(r"^topic (\S+) (\d+)$", script, re.M)}
    groups = _consumer_groups()
    assert groups >= {"config-service", "portal-service.read-model"}
    expected = dict(PARTITIONS) | {dead_letter_topic(g): DEAD_LETTER_PARTITIONS for g in groups}
    assert created == expected
    body = re.search(r"^topic\(\) \{\n(.*?)^\}", script, re.M | re.S)[1]
    create, configs = (shlex.split(line) for line in body.strip().splitlines())
    assert create[0].endswith("/kafka-topics.sh") and "--create" in create
    assert create[create.index("--topic") + 1] == "$1"
    assert create[create.index("--partitions") + 1] == "$2"
    assert create[create.index("--config") + 1] == "retention.ms=-1"
    assert configs[0].endswith("/kafka-configs.sh")
    assert configs[configs.index("--entity-name") + 1] == "$1"
    assert configs[configs.index("--add-config") + 1] == "retention.ms=-1"
    subprocess.run(["sh", "-n", "-c", script], check=True)  # parses as a shell script


def test_services_set_every_production_setting_and_nothing_unknown(compose):
    for name, (_, _, _, settings) in APPS.items():
        env = compose["services"][name]["environment"]
        assert all(isinstance(v, str) for v in env.values()), f"{name}: quote every value"
        assert set(env) <= {field.upper() for field in settings.model_fields}, name
        required = {f.upper() for f, info in settings.model_fields.items() if info.is_required()}
        assert required <= set(env), name
        assert env["ENVIRONMENT"] == "production"
        assert env["KAFKA_IDEMPOTENT_PRODUCER"] == "true"
        assert env["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
        assert env["BLOB_STORE_PATH"] == BLOBS
        assert re.fullmatch(r"postgresql://[^@/]+@postgres:5432/\w+", env["DATABASE_URL"])
    config_env = compose["services"]["config-service"]["environment"]
    assert _required_interpolation(config_env["JWT_SECRET"], "JWT_SECRET"), "JWT_SECRET default"


def test_no_secret_has_a_default():
    text = (DEPLOY / "compose.yaml").read_text()
    secrets = re.findall(r"\$\{(\w*(?:SECRET|PASSWORD)\w*)([^}]*)\}", text)
    assert {"JWT_SECRET", "POSTGRES_PASSWORD"} <= {name for name, _ in secrets}
    assert all(rest.startswith(":?") for _, rest in secrets), secrets


def test_each_service_publishes_its_port(compose):
    for name, (_, _, port, _) in APPS.items():
        assert compose["services"][name]["ports"] == [f"{port}:{port}"]


def test_both_services_share_one_named_blob_volume(compose):
    assert "blobs" in compose["volumes"]
    for name in APPS:
        assert f"blobs:{BLOBS}" in compose["services"][name]["volumes"], name


def test_postgres_18_creates_each_service_database_owned_by_its_role(compose):
    postgres = compose["services"]["postgres"]
    assert postgres["image"].startswith("postgres:18")
    assert "postgres-data:/var/lib/postgresql" in postgres["volumes"]  # not .../data from 18 on
    init = [v for v in postgres["volumes"] if "/docker-entrypoint-initdb.d/" in v]
    assert init and init[0].startswith("./postgres/")
    script = (DEPLOY / init[0].split(":")[0]).read_text()
    for name in APPS:
        url = compose["services"][name]["environment"]["DATABASE_URL"]
        user, database = re.fullmatch(r"postgresql://(\w+):.*@postgres:5432/(\w+)", url).groups()
        assert f"CREATE ROLE {user} LOGIN" in script
        assert f"CREATE DATABASE {database} OWNER {user};" in script
        assert f"REVOKE ALL ON DATABASE {database} FROM PUBLIC;" in script


# --- the images -----------------------------------------------------------------------------


def _instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) per instruction, continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n", " ", dockerfile.read_text())
    lines = [line.strip() for line in joined.splitlines()]
    return [(line.split()[0].upper(), line.partition(" ")[2].strip())
            for line in lines if line and not line.startswith("#")]


def _final_stage(instructions: list[tuple[str, str]]) -> list[tuple[str, str]]:
    last_from = max(i for i, (op, _) in enumerate(instructions) if op == "FROM")
    return instructions[last_from:]


@pytest.mark.parametrize("service", APPS)
def test_image_is_multi_stage_slim_python_and_runs_as_a_user(service):
    instructions = _instructions(DEPLOY / f"{service}.Dockerfile")
    bases = [args.split()[0] for op, args in instructions if op == "FROM"]
    assert len(bases) >= 2 and all(b == "python:3.11-slim" for b in bases), bases
    users = [args for op, args in _final_stage(instructions) if op == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")


@pytest.mark.parametrize("service", APPS)
def test_image_serves_with_the_console_script_and_checks_readyz(service):
    distribution, script, port, _ = APPS[service]
    members = _members()
    assert script in _pyproject(ROOT / members[distribution])["project"]["scripts"]
    final = dict(_final_stage(_instructions(DEPLOY / f"{service}.Dockerfile")))
    assert json.loads(final["CMD"]) == [script, "serve", "--host", "0.0.0.0", "--port", str(port)]
    assert final["EXPOSE"] == str(port)
    check = json.loads(final["HEALTHCHECK"][final["HEALTHCHECK"].index("CMD ") + 4:])
    assert check[0] == "python" and f"http://127.0.0.1:{port}/readyz" in check[-1]


@pytest.mark.parametrize("service", APPS)
def test_image_installs_the_locked_environment_with_pinned_uv(service):
    distribution = APPS[service][0]
    instructions = _instructions(DEPLOY / f"{service}.Dockerfile")
    runs = [args for op, args in instructions if op == "RUN"]
    uv_version = re.search(r"^UV_VERSION := (\S+)$", (ROOT / "Makefile").read_text(), re.M)[1]
    assert f"pip install uv=={uv_version}" in runs
    syncs = [i for i, (op, args) in enumerate(instructions) if op == "RUN" and "uv sync" in args]
    assert syncs
    for i in syncs:
        flags = shlex.split(instructions[i][1].split("&&")[0])
        assert {"--frozen", "--no-dev"} <= set(flags), instructions[i][1]
        assert flags[flags.index("--package") + 1] == distribution
    assert "--no-install-workspace" not in instructions[syncs[-1]][1]  # the last installs members
    copied_before_sync = {src for op, args in instructions[:syncs[0]] if op == "COPY"
                          for src in args.split()[:-1]}
    expected = {"pyproject.toml", "uv.lock"} | {
        f"{path}/pyproject.toml" for path in _members().values()}
    assert expected <= copied_before_sync


@pytest.mark.parametrize("service", APPS)
def test_image_copies_the_sources_of_every_member_it_needs(service):
    distribution = APPS[service][0]
    copied = {args.split()[0] for op, args in _instructions(DEPLOY / f"{service}.Dockerfile")
              if op == "COPY" and "--from" not in args}
    members = _members()
    for name in _workspace_closure(distribution):
        assert f"{members[name]}/src" in copied, name
    migrations = members[distribution] / "migrations"
    if (ROOT / migrations).is_dir():
        assert str(migrations) in copied


@pytest.mark.parametrize("service", APPS)
def test_dockerignore_keeps_local_state_out_but_not_the_sources(service):
    dockerfile = DEPLOY / f"{service}.Dockerfile"
    patterns = [line for line in Path(f"{dockerfile}.dockerignore").read_text().splitlines()
                if line and not line.startswith("#")]
    assert {".venv", "**/__pycache__", "**/.env"} <= set(patterns)
    for op, args in _instructions(dockerfile):
        if op == "COPY" and "--from" not in args:
            for src in args.split()[:-1]:
                assert not any(fnmatch.fnmatch(src, p) for p in patterns), src


# --- the README -----------------------------------------------------------------------------


def test_readme_documents_every_setting_and_topic():
    readme = (DEPLOY / "README.md").read_text()
    for _, _, _, settings in APPS.values():
        for field in settings.model_fields:
            assert f"`{field.upper()}`" in readme, f"deploy/README.md lacks {field.upper()}"
    topics = dict(PARTITIONS) | {dead_letter_topic(g): DEAD_LETTER_PARTITIONS
                                 for g in _consumer_groups()}
    for topic, partitions in topics.items():
        assert re.search(rf"^\| `{re.escape(topic)}` \| {partitions} \|", readme, re.M), topic
