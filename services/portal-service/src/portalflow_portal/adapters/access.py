"""Whether a customer's access token opens an opportunity, without reading anything else."""

import hashlib

import asyncpg

_OPENS = """
SELECT EXISTS (SELECT 1 FROM portal_access a JOIN portal_opportunities o USING (opportunity_id)
               WHERE a.token_sha256 = $1 AND o.opportunity_id = $2)
"""


async def opens(pool: asyncpg.Pool, token: str, opportunity_id: str) -> bool:
    """True if `token` is a live access token of `opportunity_id`."""
    return await pool.fetchval(_OPENS, hashlib.sha256(token.encode()).hexdigest(),
                               opportunity_id)
