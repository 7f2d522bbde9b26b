"""Settings: the one place that reads the environment (`SPRAVKA_*`)."""

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting of Spravka; the README's table is checked against this class."""

    model_config = SettingsConfigDict(env_prefix="SPRAVKA_", extra="ignore")

    data_dir: Path = Field(
        Path("./spravka-data"), description="Folder for the SQLite file and the search index."
    )
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; default: SQLite file `spravka.db` in the data folder."
    )
    secret_key: str | None = Field(
        None,
        min_length=32,
        description="Signs session cookies; default: a random key made on first start and kept "
        "in `secret_key` in the data folder (owner-only). Set the same value on every node.",
    )
    index_dir: Path | None = Field(
        None, description="Search index folder of this node; default: `index` in the data folder."
    )
    feed_interval: float = Field(
        0.2, description="Seconds between outbox polls of the index feed when idle."
    )
    activity_interval: float = Field(
        1.0,
        description="Seconds between writes of queued searches, views and token use; a crash "
        "loses at most this much of them.",
    )
    embedded_worker: bool = Field(
        True,
        description="Feed the index from a thread of `spravka serve`; false with `spravka worker`.",
    )
    anonymous_tickets: bool = Field(
        True, description="Let anonymous visitors open tickets with an e-mail address."
    )
    cookie_secure: bool = Field(
        False, description="Send the session cookie over HTTPS only (set true behind TLS)."
    )
    max_body_bytes: int = Field(
        1024 * 1024,
        description="Largest JSON or form body accepted; a larger one gets 413 before it is read.",
    )
    # Five attachments of 10 MiB (tickets.schemas) and the form's text and framing.
    max_upload_bytes: int = Field(
        52 * 1024 * 1024,
        description="Largest multipart body accepted (the ask form with its attachments).",
    )

    attachments_dir: Path | None = Field(
        None,
        description="Where tickets' attachments are kept by content hash; default: "
        "`attachments` in the data folder. Shared storage when several nodes serve.",
    )

    # --- The service desk (tickets/): each room keeps its settings together below. ---

    # Contracts, calendars and SLA (tickets/contracts/).
    sla_warning_share: float = Field(
        0.75,
        gt=0,
        lt=1,
        description="Share of a deadline's business time used when the desk warns (once a ticket).",
    )

    # Following up (tickets/followups.py).
    outside_reminder_hours: float = Field(
        24.0,
        ge=0,
        description="Hours before an outside firm's promised date that the engineer is reminded.",
    )

    # E-mail intake (tickets/intake/).
    intake_max_file_bytes: int = Field(
        10 * 1024 * 1024,
        description="Largest e-mail attachment kept on a ticket; a larger one stays only in the "
        "raw message, and a note says so.",
    )
    intake_max_files_bytes: int = Field(
        25 * 1024 * 1024,
        description="Largest total of one e-mail's attachments kept on a ticket.",
    )
    imap_host: str | None = Field(
        None, description="IMAP server polled for mail to the desk; unset: no polling."
    )
    imap_port: int = Field(993, description="IMAP server port.")
    imap_ssl: bool = Field(True, description="Connect to the IMAP server over TLS.")
    imap_user: str = Field("", description="IMAP login.")
    imap_password: SecretStr = Field(SecretStr(""), description="IMAP password.")
    imap_folder: str = Field("INBOX", description="IMAP folder read for new (unseen) mail.")
    imap_done_folder: str | None = Field(
        None,
        description="IMAP folder a message is moved to once taken; unset: it is marked seen.",
    )
    imap_interval: float = Field(60.0, description="Seconds between IMAP polls.")

    @property
    def attachments_path(self) -> Path:
        return self.attachments_dir or self.data_dir / "attachments"

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'spravka.db').resolve()}"

    @property
    def index_path(self) -> Path:
        return self.index_dir or self.data_dir / "index"

    @property
    def ticket_index_path(self) -> Path:
        """The node's index of tickets, beside its index of articles."""
        return self.index_path.with_name(self.index_path.name + "-tickets")
