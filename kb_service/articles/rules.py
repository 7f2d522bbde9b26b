"""The editorial rules that settings decide: must another editor approve, when is review due.

Pure: the service hands in who wrote the article and today's date.
"""

import calendar
from dataclasses import dataclass
from datetime import date

from kb_service.config import Settings


@dataclass(frozen=True)
class Rules:
    # SPRAVKA_REQUIRE_REVIEW: nobody publishes an article they wrote without another's approval.
    require_review: bool = False
    # SPRAVKA_REVIEW_MONTHS: the review-by date given to an article published without one.
    review_months: int = 12

    @classmethod
    def of(cls, settings: Settings) -> "Rules":
        return cls(settings.require_review, settings.review_months)

    def may_publish(self, user_id: int | None, writers: set[int | None]) -> bool:
        """Whether this person may make the article public (writers: its author, submitters)."""
        return not self.require_review or user_id not in writers

    def review_by(self, published_on: date) -> date | None:
        """The review-by date of an article published today without one."""
        if not self.review_months:
            return None
        return add_months(published_on, self.review_months)


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or that month's last day (31 January + 1 = 28/29 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
