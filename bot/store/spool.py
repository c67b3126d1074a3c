"""Reports that could not be written at once, kept on disk until the database takes them.

When another process holds SQLite's write lock for longer than a reporter can wait (Slack
gives us three seconds), the report is written here instead — one small file per report,
fsynced and renamed into place, so it survives kill -9 and power loss — and the reporter
gets the script straight away. A background worker moves each file into the database as
soon as the lock frees, under the report's own idempotency key, then removes the file.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any


class Spool:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @classmethod
    def beside(cls, db_path: Path) -> Spool:
        return cls(db_path.with_name(db_path.name + ".spool"))

    def put(self, key: str, record: dict[str, Any], *, at: float) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{at:017.6f}-{hashlib.sha256(key.encode()).hexdigest()[:16]}.json"
        final = self.folder / name
        tmp = self.folder / (name + ".tmp")
        data = json.dumps({"key": key, "at": at, **record}, ensure_ascii=False).encode("utf-8")
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, final)
        self._sync_folder()
        return final

    def pending(self) -> Iterator[tuple[Path, dict[str, Any]]]:
        """Spooled reports, oldest first; a half-written temporary file is not one."""
        if not self.folder.is_dir():
            return
        for path in sorted(self.folder.glob("*.json")):
            try:
                yield path, json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                # Unreadable: kept aside for an operator (never dropped), and no longer polled for.
                path.rename(path.with_suffix(".unreadable"))

    def count(self) -> int:
        return sum(1 for _ in self.folder.glob("*.json")) if self.folder.is_dir() else 0

    def done(self, path: Path) -> None:
        path.unlink(missing_ok=True)
        self._sync_folder()

    def _sync_folder(self) -> None:
        fd = os.open(self.folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
