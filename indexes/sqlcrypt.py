"""Open a SQLite database, encrypted with SQLCipher when a key is given.

SQLCipher encrypts every page (AES-256, HMAC-SHA512 per page), the rollback journal
included, so nothing of the database is on disk in the clear. The key is raw (no
passphrase derivation): it is already a random 256-bit subkey of the vault key.
A plaintext database found where an encrypted one is expected (a vault written before
encryption was turned on) is encrypted in place on first open.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any, cast

from indexes.keys import wipe
from rag.core.errors import IndexError_

_PLAIN_HEADER = b"SQLite format 3\x00"


def _driver() -> Any:
    try:
        from sqlcipher3 import dbapi2  # lazy: only encrypted stores need it
    except ImportError as exc:  # pragma: no cover - a dependency of the project
        raise IndexError_("encryption at rest needs the 'sqlcipher3' package "
                          "(pip install sqlcipher3)") from exc
    return dbapi2


def _keyed(driver: Any, path: Path, key: bytes) -> Any:
    db = driver.connect(str(path), check_same_thread=False, isolation_level=None)
    db.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    db.execute("PRAGMA cipher_log_level = NONE")
    try:
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except driver.DatabaseError as exc:
        db.close()
        raise IndexError_("the facts store cannot be decrypted with this vault's key",
                          code="decrypt_failed") from exc
    return db


def _encrypt_in_place(driver: Any, path: Path, key: bytes) -> None:
    target = path.with_name(path.name + ".encrypting")
    target.unlink(missing_ok=True)
    db = driver.connect(str(path), isolation_level=None)
    try:
        db.execute(f"ATTACH DATABASE ? AS sealed KEY \"x'{key.hex()}'\"", (str(target),))
        db.execute("SELECT sqlcipher_export('sealed')")
        version = int(db.execute("PRAGMA main.user_version").fetchone()[0])
        db.execute(f"PRAGMA sealed.user_version = {version}")
        db.execute("DETACH DATABASE sealed")
    finally:
        db.close()
    wipe(path)  # the plaintext, before the encrypted copy takes its name
    target.replace(path)


def connect(path: Path, key: bytes | None) -> sqlite3.Connection:
    """A connection in autocommit mode (callers run their own transactions)."""
    if key is None:
        try:
            db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        except sqlite3.Error as exc:
            raise IndexError_(f"cannot open the facts store: {exc}") from exc
        db.row_factory = sqlite3.Row
        return db
    driver = _driver()
    try:
        if path.exists() and is_plaintext(path):
            _encrypt_in_place(driver, path, key)
        db = _keyed(driver, path, key)
    except (driver.Error, OSError) as exc:
        raise IndexError_(f"cannot open the facts store: {exc}") from exc
    db.row_factory = driver.Row
    return cast(sqlite3.Connection, db)


def is_plaintext(path: Path) -> bool:
    """True when the file is a plaintext SQLite database (SQLCipher files have no header)."""
    with path.open("rb") as fh:
        return fh.read(16) == _PLAIN_HEADER
