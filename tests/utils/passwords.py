"""The password hasher of the test process: argon2id at its lowest cost (tests/conftest.py)."""

from __future__ import annotations

from argon2 import PasswordHasher

TEST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
