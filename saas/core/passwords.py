"""Password hashing with argon2id (argon2-cffi).

Werkzeug's default scrypt parameters sit below OWASP's minimum; argon2-cffi's default profile is
RFC 9106's recommended argon2id. Tests may pick a cheaper profile through the app config.
"""

from __future__ import annotations

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
MAX_LENGTH = 256

_hasher = PasswordHasher()


def use_profile(name: str) -> None:
    """Switch the argon2 parameters, e.g. ``"CHEAPEST"`` in tests (still argon2id)."""
    global _hasher
    _hasher = PasswordHasher.from_parameters(getattr(profiles, name))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def verify_nothing(password: str) -> None:
    """Spend the time a real check takes, so an unknown e-mail cannot be told by the response time."""
    verify_password(_dummy_hash(), password)


def _dummy_hash() -> str:
    global _dummy
    if _dummy is None or needs_rehash(_dummy):
        _dummy = _hasher.hash("not a password anyone has")
    return _dummy


_dummy: str | None = None


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def check_strength(password: str, email: str = "") -> list[str]:
    """Reasons the password is refused (empty when it is acceptable)."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"Use at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        problems.append(f"Use at most {MAX_LENGTH} characters.")
    if email and password.lower() == email.lower():
        problems.append("Do not use your e-mail address as password.")
    return problems
