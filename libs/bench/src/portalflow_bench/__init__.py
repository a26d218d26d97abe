"""Portalflow's benchmark: every figure measured beside the bare limit it depends on."""
