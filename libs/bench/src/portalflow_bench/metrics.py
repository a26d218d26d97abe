"""Where the services' own time went: their Prometheus histograms, scraped after the load."""

from __future__ import annotations

import re
from collections import defaultdict

import httpx

LINE = re.compile(r"^(?P<name>\w+)_(?P<part>sum|count)\{(?P<labels>[^}]*)\} (?P<value>\S+)$")
LABEL = re.compile(r'(\w+)="([^"]*)"')
HISTOGRAMS = {  # histogram → the labels that name a row
    "portalflow_handler_duration_seconds": ("group", "type"),
    "portalflow_http_request_duration_seconds": ("method", "route"),
}


def means(text: str) -> dict[str, dict]:
    """Count and mean milliseconds of each histogram series, keyed 'histogram label label'."""
    totals: dict[str, dict[str, float]] = defaultdict(lambda: {"sum": 0.0, "count": 0.0})
    for line in text.splitlines():
        found = LINE.match(line)
        if not found or found["name"] not in HISTOGRAMS:
            continue
        labels = dict(LABEL.findall(found["labels"]))
        short = found["name"].removeprefix("portalflow_").removesuffix("_seconds")
        key = " ".join([short, *(labels.get(n, "") for n in HISTOGRAMS[found["name"]])])
        totals[key][found["part"]] += float(found["value"])
    return {key: {"count": int(t["count"]), "mean_ms": 1000 * t["sum"] / t["count"]}
            for key, t in sorted(totals.items()) if t["count"]}


async def scrape(urls: dict[str, str]) -> dict[str, dict]:
    """`means` of each service's /metrics, by service name."""
    async with httpx.AsyncClient(timeout=10) as client:
        return {name: means((await client.get(f"{url}/metrics")).text)
                for name, url in urls.items()}
