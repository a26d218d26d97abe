"""JSON Schema files generated from the event models, checked in under contracts/schemas."""

import json
import sys
from pathlib import Path

from portalflow_contracts.registry import EVENT_TYPES

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas"


def render() -> dict[str, str]:
    """File name → JSON Schema text, for every event type."""
    files = {}
    for event_type, model in sorted(EVENT_TYPES.items()):
        schema = {"$schema": "https://json-schema.org/draft/2020-12/schema",
                  "$id": f"{event_type}.json", "x-topic": model.topic,
                  **model.model_json_schema(mode="serialization")}
        files[f"{event_type}.json"] = json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
    return files


def main() -> None:
    """Write the schemas; with --check, exit 1 if the checked-in files differ."""
    files = render()
    stale = {p.name for p in SCHEMA_DIR.glob("*.json")} - files.keys()
    if "--check" in sys.argv:
        drift = [n for n, t in files.items() if not (SCHEMA_DIR / n).is_file()
                 or (SCHEMA_DIR / n).read_text() != t] + sorted(stale)
        if drift:
            sys.exit(f"JSON Schemas out of date: {', '.join(drift)}; run `make schemas`")
        return
    SCHEMA_DIR.mkdir(exist_ok=True)
    for name in stale:
        (SCHEMA_DIR / name).unlink()
    for name, text in files.items():
        (SCHEMA_DIR / name).write_text(text)


if __name__ == "__main__":
    main()
