"""Reports as CSV for spreadsheets: UTF-8 with a byte-order mark (so Excel reads Cyrillic), and
text that a spreadsheet would run as a formula (= + - @ first) made inert with a quote.

Pure: the report and gap dataclasses in, the file's text out. Each table of a report is its
own file (`part`), so every file is one plain table.
"""

import csv
import io
from collections.abc import Callable, Iterable
from datetime import timedelta

from tickets.gaps import Gaps
from tickets.measuring import Rate, Spread
from tickets.period_report import Report, lines
from tickets.report_tables import Row

BOM = "\ufeff"
# What spreadsheets take as the start of a formula (tab and CR too: some strip them first).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PARTS = ("measures", "weeks", "teams", "people", "workload", "reused")


def inert(value):
    """A text cell a spreadsheet will show, never evaluate; numbers pass as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def to_csv(rows: Iterable[list]) -> str:
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([inert(v) for v in row])
    return buffer.getvalue()


def _share(rate: Rate) -> str:
    return "" if rate.value is None else f"{rate.value:.4f}"


def _hours(duration: timedelta | None) -> str:
    return "" if duration is None else f"{duration.total_seconds() / 3600:.2f}"


def _measure_cells(measure) -> list:
    """value, numerator, denominator, cases, median and 90th percentile (hours)."""
    if isinstance(measure, Rate):
        return [_share(measure), measure.numerator, measure.denominator, "", "", ""]
    if isinstance(measure, Spread):
        return ["", "", "", measure.count, _hours(measure.median), _hours(measure.p90)]
    return [measure, "", "", "", "", ""]


def measures(report: Report, scope_name: str, label: Callable[[str], str]) -> list[list]:
    head = ["period_start", "period_end", "scope", "scope_name", "section", "measure", "label"]
    head += ["whole_desk", "value", "numerator", "denominator", "cases"]
    head += ["median_hours", "p90_hours"]
    period = [report.period.start.isoformat(), report.period.end.isoformat()]
    scope = [report.scope.kind, scope_name]
    return [head] + [
        period
        + scope
        + [line.section, line.key, label(line.key), "yes" if line.desk_wide else "no"]
        + _measure_cells(line.measure)
        for line in lines(report)
    ]


def weeks(report: Report) -> list[list]:
    head = ["week_start", "tickets_in", "tickets_closed", "closed_with_article", "link_rate"]
    return [head] + [
        [w.start.date().isoformat(), w.tickets_in, w.tickets_closed, w.link_rate.numerator]
        + [_share(w.link_rate)]
        for w in report.weeks
    ]


def breakdown(rows: list[Row]) -> list[list]:
    head = ["id", "name", "tickets_in", "tickets_closed", "closed_with_article", "link_rate"]
    head += ["reopened", "reopen_rate", "resolved_with_deadline", "resolved_in_time"]
    head += ["first_responses", "first_response_median_hours", "first_response_p90_hours"]
    return [head] + [
        [r.id or "", r.name, r.tickets_in, r.tickets_closed, r.link_rate.numerator]
        + [_share(r.link_rate), r.reopen.numerator, _share(r.reopen)]
        + [r.resolution_sla.denominator, r.resolution_sla.numerator, r.first_response.count]
        + [_hours(r.first_response.median), _hours(r.first_response.p90)]
        for r in rows
    ]


def workload(report: Report) -> list[list]:
    head = ["id", "name", "tickets_held", "tickets_resolved"]
    return [head] + [[w.user_id or "", w.name, w.held, w.resolved] for w in report.desk.workload]


def reused(report: Report) -> list[list]:
    head = ["article_id", "title", "tickets"]
    return [head] + [[r.article_id, r.title or "", r.tickets] for r in report.knowledge.top_reused]


def part(report: Report, name: str, scope_name: str, label: Callable[[str], str]) -> str:
    """The CSV of one table of the report (one of PARTS)."""
    if name == "measures":
        return to_csv(measures(report, scope_name, label))
    if name == "weeks":
        return to_csv(weeks(report))
    if name in ("teams", "people"):
        return to_csv(breakdown(report.teams if name == "teams" else report.people))
    if name == "workload":
        return to_csv(workload(report))
    return to_csv(reused(report))


def gap_lists(found: Gaps) -> str:
    """The gap lists in one table, told apart by the `list` column (a topic in `query`)."""
    head = ["list", "query", "searches", "visits", "tickets", "last_seen", "most_results"]
    rows = [
        [kind, g.query, g.searches, g.visits, g.tickets, g.last_seen.isoformat(), g.results]
        for kind, gaps in (
            ("no_result", found.no_result),
            ("no_click", found.no_click),
            ("before_ticket", found.before_ticket),
        )
        for g in gaps
    ]
    rows += [["by_topic", t.title, t.searches, "", t.tickets, "", ""] for t in found.by_topic]
    return to_csv([head, *rows])
