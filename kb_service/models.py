"""Imports every model module of the core so its metadata is complete (migrations, tests).

Packages above the core (tickets) load their own models; the assembler imports them.
"""


def load_all() -> None:
    from kb_service import outbox as _outbox  # noqa: F401
    from kb_service.accounts import models as _accounts  # noqa: F401
    from kb_service.articles import models as _articles  # noqa: F401
    from kb_service.audit import models as _audit  # noqa: F401
    from kb_service.catalogue import models as _catalogue  # noqa: F401
    from kb_service.feedback import models as _feedback  # noqa: F401
    from kb_service.search import models as _search  # noqa: F401
    from kb_service.webhooks import models as _webhooks  # noqa: F401
