"""Placeholder replaced by the demo seeder."""


def seed(customers: int = 300, *, rng_seed: int = 20261123) -> dict:
    raise NotImplementedError
