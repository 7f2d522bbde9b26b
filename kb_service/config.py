"""Settings: the one place that reads the environment (`SPRAVKA_*`)."""

from pathlib import Path
from typing import Literal

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
        0.1, description="Seconds between outbox polls of the index feed when idle."
    )
    activity_interval: float = Field(
        1.0,
        description="Seconds between writes of queued searches, views and token use; a crash "
        "loses at most this much of them.",
    )
    ldap_url: str | None = Field(
        None,
        description="Directory for sign-in (`ldap://host:389`, `ldaps://host:636`); unset: "
        "local accounts only.",
    )
    ldap_base_dn: str = Field("", description="Where people and groups are searched.")
    ldap_bind_dn: str | None = Field(
        None, description="Service account that searches the directory; unset: anonymous."
    )
    ldap_bind_password: str | None = Field(None, description="Its password.")
    ldap_user_filter: str = Field(
        "(mail={email})",
        description="Finds a person by the address typed at sign-in (`{email}`, escaped).",
    )
    ldap_groups: dict[str, dict] = Field(
        default_factory=dict,
        description='JSON: directory group DN -> `{"roles": [...], "groups": [...], '
        '"organisation": "..."}` given to its members at each sign-in.',
    )
    ldap_timeout: float = Field(5.0, description="Seconds to wait for the directory.")
    oidc_issuer: str | None = Field(
        None,
        description="OpenID Connect provider for single sign-on (its issuer URL, which serves "
        "`/.well-known/openid-configuration`); unset: no single sign-on.",
    )
    oidc_client_id: str | None = Field(None, description="Spravka's client id at the provider.")
    oidc_client_secret: str | None = Field(None, description="Its client secret.")
    oidc_groups_claim: str = Field(
        "groups", description="The ID token's claim that lists the person's groups."
    )
    oidc_groups: dict[str, dict] = Field(
        default_factory=dict,
        description='JSON: group (as the claim names it) -> `{"roles": [...], "groups": [...], '
        '"organisation": "..."}` given at each single sign-on.',
    )
    oidc_default_role: Literal["client"] | None = Field(
        None,
        description="Role of a person in no mapped group; unset: such a person is refused.",
    )
    log_format: Literal["json", "text"] = Field(
        "json",
        description="Log lines as JSON objects (one a line, with the request id) or as text.",
    )
    ready_max_lag: float = Field(
        30.0,
        description="`/readyz` answers 503 while this node's search index is more than this "
        "many seconds behind the outbox.",
    )
    metrics_token: str | None = Field(
        None,
        description="Bearer token with which the monitoring system reads `/metrics`; managers "
        "and admins may read it signed in.",
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

    catalogue_source: Path | None = Field(
        None,
        description="Settings file (TOML) naming the company's product database that the worker "
        "syncs the catalogue from; unset: no scheduled sync.",
    )
    catalogue_interval: float = Field(
        3600.0, gt=0, description="Seconds between scheduled catalogue syncs."
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

    # Notifications (tickets/notifications/): without a host, mail goes to `mail` in data_dir.
    smtp_host: str | None = Field(
        None,
        description="SMTP server that notifications are sent through; unset, each message is "
        "written as an .eml file into `mail` in the data folder instead.",
    )
    smtp_port: int = Field(587, description="Port of the SMTP server.")
    smtp_user: str | None = Field(None, description="SMTP user name, if the server wants one.")
    smtp_password: SecretStr | None = Field(None, description="Password of the SMTP user.")
    smtp_from: str = Field(
        "Spravka <support@localhost>", description="The From address of notifications."
    )
    smtp_starttls: bool = Field(True, description="Upgrade the SMTP connection with STARTTLS.")
    smtp_ssl: bool = Field(
        False, description="Connect with TLS from the start (port 465); STARTTLS is then unused."
    )
    smtp_timeout: float = Field(20.0, description="Seconds to wait for the SMTP server.")
    notify_max_attempts: int = Field(
        8, ge=1, description="Attempts to send a notification before it is marked failed."
    )
    base_url: str = Field(
        "http://localhost:8000",
        description="The portal's public address, for the links in notifications.",
    )

    # --- The editors' workspace (kb_service/articles/review.py, files.py). ---
    # Off by default: a small team with one editor could otherwise never publish at all.
    require_review: bool = Field(
        False,
        description="Articles are published only when an editor other than their author "
        "approves them; nobody approves or publishes their own.",
    )
    review_months: int = Field(
        12,
        ge=0,
        le=120,
        description="An article published without a review-by date is due for review this many "
        "months later; 0 leaves the date empty.",
    )
    article_file_max_bytes: int = Field(
        5 * 1024 * 1024,
        gt=0,
        description="Largest image or file uploaded for an article.",
    )

    # Webhooks (kb_service/webhooks/).
    webhook_allow_networks: str = Field(
        "",
        description="Networks (comma-separated, e.g. `10.0.0.0/8,127.0.0.1/32`) that webhook "
        "URLs may reach although they are not public; empty: only public addresses.",
    )
    webhook_timeout: float = Field(
        10.0, gt=0, description="Seconds to wait for a webhook receiver."
    )
    webhook_max_attempts: int = Field(
        8, ge=1, description="Attempts to deliver a webhook event before it is marked failed."
    )
    webhook_retry_seconds: float = Field(
        30.0,
        gt=0,
        description="Seconds after a webhook's first failed try; doubled each time, at most 1 h.",
    )

    # Accounts (kb_service/accounts/reset.py).
    password_reset_minutes: int = Field(
        60, ge=5, le=24 * 60, description="Minutes a password reset link works (once)."
    )

    @property
    def attachments_path(self) -> Path:
        return self.attachments_dir or self.data_dir / "attachments"

    @property
    def mail_path(self) -> Path:
        """Where notifications are kept as .eml files while no SMTP server is set."""
        return self.data_dir / "mail"

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
