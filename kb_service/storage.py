"""Files' bytes on disk, by content hash: written once, shared by equal files.

Tickets' attachments and articles' images and files both live here (the core owns it so that
articles can keep files without reaching up into the desk). The database keeps each file's
name, type, size and hash (TicketAttachment, ArticleFile); the bytes go to
`attachments_path/ab/cdef...`. A file is written under a temporary name and renamed into
place, so a crash never leaves a half file under a real hash; writing the same content twice
is a no-op. Every node of a cluster points the setting at shared storage.
"""

import hashlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from kb_service.config import Settings
from kb_service.errors import NotFound

CHUNK = 1024 * 1024


class AttachmentStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def of(cls, settings: Settings) -> "AttachmentStore":
        return cls(settings.attachments_path)

    def put(self, content: bytes) -> str:
        """Store `content`; its SHA-256, the key to read it back."""
        return self.put_stream([content])

    def put_stream(self, chunks: Iterable[bytes]) -> str:
        self.root.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        handle, temporary = tempfile.mkstemp(dir=self.root, prefix=".incoming-")
        try:
            with os.fdopen(handle, "wb") as out:
                for chunk in chunks:
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            key = digest.hexdigest()
            target = self.path(key)
            target.parent.mkdir(exist_ok=True)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return key

    def read(self, key: str) -> bytes:
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError:
            raise NotFound("the file of this attachment is missing from the store") from None

    def path(self, key: str) -> Path:
        if len(key) != 64 or not all(c in "0123456789abcdef" for c in key):
            raise NotFound("no such attachment")
        return self.root / key[:2] / key[2:]
