"""Zip archives read defensively.

A zip is refused as a whole (nothing of it is ingested) when it is corrupt or
encrypted, lists too many members, names a member outside the archive (absolute
paths, ``..``, drive letters, symlinks), or decompresses to more than the cap.

The cap is checked twice. Before anything is inflated, the sizes the central directory
declares are added up: a zip that *says* it holds more than the cap is refused at once,
instead of after minutes of inflating (a 9 MB zip can declare 8 GiB). While reading, the
bytes actually produced are counted across all members, because declared sizes can lie;
a member is also never read past its declared size (zipfile stops there and the CRC check
fails), so a lying header is cut off at the limit. The compression ratio alone is no
test (real Apple Health exports compress about 20:1).
"""

from __future__ import annotations

import io
import stat
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import IO, BinaryIO

from rag.core.errors import InvalidContent, TooLarge

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")


def is_zip(head: bytes) -> bool:
    return head.startswith(ZIP_MAGIC)


def _safe_name(name: str) -> str | None:
    """The member's normalised relative path, or None when it points outside."""
    if "\\" in name or name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return None
    parts = PurePosixPath(name).parts
    if any(p in ("..", "") for p in parts):
        return None
    return "/".join(parts)


class ZipBomb(TooLarge):
    """The archive decompressed past the cap: the whole zip is refused."""


class CorruptArchive(InvalidContent):
    """The archive's data is damaged (bad CRC, truncated stream): the whole zip is refused."""


class _Counted(io.RawIOBase):
    """A member stream that adds what it really decompresses to the archive's budget."""

    def __init__(self, inner: IO[bytes], archive: SafeZip) -> None:
        self._inner = inner
        self._archive = archive

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        try:
            data = self._inner.read(len(buffer))
        except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
            raise CorruptArchive(f"{self._archive.name}: corrupt zip data "
                                 f"({type(exc).__name__})") from exc
        self._archive.spend(len(data))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._inner.close()
        super().close()


class SafeZip:
    def __init__(self, path: Path, name: str, *, max_unpacked: int, max_members: int) -> None:
        self.name = name
        self.max_unpacked = max_unpacked
        self.unpacked = 0
        try:
            self._zip = zipfile.ZipFile(path)
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise InvalidContent(f"{name}: not a readable zip archive ({exc})") from exc
        if len(infos) > max_members:
            self._zip.close()
            raise TooLarge(f"{name}: {len(infos)} members is over the {max_members}-member cap")
        self.members: list[tuple[str, zipfile.ZipInfo]] = []
        for info in infos:
            safe = _safe_name(info.filename)
            mode = info.external_attr >> 16
            if safe is None or stat.S_ISLNK(mode):
                self._zip.close()
                raise InvalidContent(
                    f"{name}: member {info.filename[:120]!r} points outside the archive"
                )
            if info.flag_bits & 0x1:
                self._zip.close()
                raise InvalidContent(f"{name}: encrypted zip members are not supported")
            if not info.is_dir():
                self.members.append((safe, info))
        declared = sum(info.file_size for _, info in self.members)
        if declared > max_unpacked:
            self._zip.close()
            raise ZipBomb(f"{name}: declares {declared} bytes uncompressed, over the "
                          f"{max_unpacked}-byte cap (refused as a zip bomb)")

    def __enter__(self) -> SafeZip:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._zip.close()

    def spend(self, n: int) -> None:
        self.unpacked += n
        if self.unpacked > self.max_unpacked:
            raise ZipBomb(
                f"{self.name}: decompresses to more than {self.max_unpacked} bytes "
                "(refused as a zip bomb)"
            )

    def open(self, info: zipfile.ZipInfo) -> BinaryIO:
        try:
            raw = self._zip.open(info)
        except (zipfile.BadZipFile, OSError, NotImplementedError) as exc:
            raise InvalidContent(f"{self.name}: cannot read {info.filename[:120]!r} ({exc})") \
                from exc
        return io.BufferedReader(_Counted(raw, self), buffer_size=1 << 16)

    def extract(self, info: zipfile.ZipInfo, target: Path, *, cap: int) -> int:
        """Copy one member to ``target``, refusing more than ``cap`` bytes of it: at once
        when its declared size says so, else when that many bytes came out."""
        if info.file_size > cap:
            raise TooLarge(f"{self.name}: member {info.filename[:120]!r} declares "
                           f"{info.file_size} bytes, over the {cap}-byte cap")
        done = 0
        try:
            with self.open(info) as src, target.open("wb") as out:
                for block in iter(lambda: src.read(1 << 20), b""):
                    done += len(block)
                    if done > cap:
                        raise TooLarge(
                            f"{self.name}: member {info.filename[:120]!r} is over the "
                            f"{cap}-byte cap"
                        )
                    out.write(block)
        except (zipfile.BadZipFile, EOFError, OSError) as exc:
            target.unlink(missing_ok=True)
            raise CorruptArchive(f"{self.name}: corrupt member {info.filename[:120]!r} "
                                 f"({type(exc).__name__})") from exc
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        return done

    def find(self, suffix: str) -> Iterator[tuple[str, zipfile.ZipInfo]]:
        for name, info in self.members:
            if name.lower().endswith(suffix):
                yield name, info
