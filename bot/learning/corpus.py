"""The labelled corpora (data/corpus): reports and apology drafts, with gold labels."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot import resources


@dataclass(frozen=True, slots=True)
class Item:
    id: str
    batch: str
    locale: str
    text: str
    labels: dict[str, Any]
    situation: dict[str, Any] | None = None  # drafts only: what the apology is for

    @property
    def writer(self) -> str:
        """The batch prefix names who wrote it (one writer, several voices)."""
        return self.batch.split("-")[0]


def load(kind: str, root: Path | None = None) -> list[Item]:
    """Every item of a corpus that carries gold labels, in file order."""
    folder = (root or resources.corpus_dir()) / kind
    items: list[Item] = []
    for path in sorted(folder.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            raw = json.loads(line)
            if "labels" in raw:
                items.append(
                    Item(raw["id"], raw["batch"], raw["locale"], raw["text"], raw["labels"], raw.get("situation"))
                )
    return items


def fingerprint(kind: str, root: Path | None = None) -> str:
    """Changes whenever the corpus does: models cached on disk are keyed by it."""
    folder = (root or resources.corpus_dir()) / kind
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.jsonl")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
