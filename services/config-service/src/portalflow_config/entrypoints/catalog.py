"""Admin API: the org's dynamic fields, conditions and portal settings."""

from fastapi import APIRouter

router = APIRouter(tags=["settings"])
