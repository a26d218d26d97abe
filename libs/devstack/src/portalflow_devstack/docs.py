"""The checked-in API documents: OpenAPI of both services and AsyncAPI of the topics."""

import json
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parents[4] / "docs"


def render() -> dict[str, str]:
    """File name under docs/ → its JSON text, generated from the code."""
    from portalflow_config.bootstrap import create_app as config_app
    from portalflow_config.config import Settings as ConfigSettings
    from portalflow_contracts import asyncapi
    from portalflow_portal.bootstrap import create_app as portal_app
    from portalflow_portal.config import Settings as PortalSettings

    documents = {
        "openapi/config-service.json": config_app(ConfigSettings(database_url="-")).openapi(),
        "openapi/portal-service.json": portal_app(PortalSettings(database_url="-")).openapi(),
        "asyncapi.json": asyncapi.document(),
    }
    return {name: json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
            for name, doc in documents.items()}


def main() -> None:
    """Write the documents; with --check, exit 1 when the checked-in ones differ."""
    rendered = render()
    if "--check" in sys.argv:
        stale = [n for n, text in rendered.items()
                 if not (DOCS / n).is_file() or (DOCS / n).read_text() != text]
        if stale:
            sys.exit(f"API documents out of date: {', '.join(stale)}; run `make docs`")
        return
    for name, text in rendered.items():
        (DOCS / name).parent.mkdir(parents=True, exist_ok=True)
        (DOCS / name).write_text(text)


if __name__ == "__main__":
    main()
