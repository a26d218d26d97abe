"""The bare baseline: FastAPI + asyncpg reading one row, served by uvicorn as the services are.

`python -m portalflow_bench.bare_app --port N` with BENCH_DATABASE_URL set. Same web stack, same
pool size and same uvicorn options as the services; only the work per request is the least a
database-backed endpoint can do: one primary-key lookup, returned as JSON.
"""

from __future__ import annotations

import argparse
import os
from contextlib import asynccontextmanager

import asyncpg
import uvicorn
from fastapi import FastAPI, HTTPException
from fastapi.responses import JSONResponse

POOL_SIZE = 10  # EventingSettings.database_pool_size, the services' default
SCHEMA = """
CREATE TABLE IF NOT EXISTS bench_rows (
    row_id      text PRIMARY KEY,
    title       text NOT NULL,
    substate_id text NOT NULL
)
"""


async def seed(database_url: str, count: int) -> list[str]:
    """Create the table with `count` rows; return their ids."""
    ids = [f"row-{index:06d}" for index in range(count)]
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(SCHEMA)
        await conn.executemany(
            "INSERT INTO bench_rows VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            [(row_id, f"Casa {row_id}", "substate-1") for row_id in ids])
    finally:
        await conn.close()
    return ids


def create_app() -> FastAPI:
    """The app; connects on startup."""
    database_url = os.environ["BENCH_DATABASE_URL"]

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        async with asyncpg.create_pool(database_url, min_size=POOL_SIZE,
                                       max_size=POOL_SIZE) as pool:
            app.state.pool = pool
            yield

    app = FastAPI(lifespan=lifespan)

    @app.get("/v1/rows/{row_id}")
    async def read_row(row_id: str) -> JSONResponse:
        async with app.state.pool.acquire() as conn:
            row = await conn.fetchrow("SELECT * FROM bench_rows WHERE row_id = $1", row_id)
        if row is None:
            raise HTTPException(404, f"no row {row_id}")
        return JSONResponse(dict(row))

    @app.get("/readyz")
    async def ready() -> dict:
        return {"status": "ready"}

    return app


def main() -> None:
    parser = argparse.ArgumentParser(prog="portalflow_bench.bare_app", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run("portalflow_bench.bare_app:create_app", factory=True, host="127.0.0.1",
                port=args.port, log_config=None, access_log=False)


if __name__ == "__main__":
    main()
