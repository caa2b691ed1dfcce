"""Reads of the data center for its pages: freshness, feeds, runs and their errors, quality, the mapping editor.

Every page reads through these functions; a later page that shows a figure asks
`freshness_for_tables([...])` (or the `{% freshness_badge %}` tag) how current it is.
"""

from zhengai.datacenter.selectors.as_of import DataAsOf, data_as_of
from zhengai.datacenter.selectors.feeds import RECENT_RUNS, Feed, SourceRow, current_row_counts, feeds, sources_overview
from zhengai.datacenter.selectors.freshness import (
    DEFAULT_PERIOD_DAYS,
    FAILING_STATUSES,
    FRESHNESS_COLOURS,
    GOOD_STATUSES,
    Freshness,
    FreshnessState,
    freshness_for_tables,
    freshness_of,
    table_freshness,
    worst,
)
from zhengai.datacenter.selectors.mapping import (
    Preview,
    PreviewCell,
    PreviewRow,
    SampleHeader,
    mapping_preview,
    sample_header,
)
from zhengai.datacenter.selectors.quality import Completeness, FieldCompleteness, completeness, row_count_history
from zhengai.datacenter.selectors.runs import (
    INLINE_ERRORS,
    RunError,
    RunText,
    run_errors,
    run_file_path,
    run_report_path,
    run_tables,
    run_text,
    run_versions,
    runs_search,
)

__all__ = [
    "DEFAULT_PERIOD_DAYS", "FAILING_STATUSES", "FRESHNESS_COLOURS", "GOOD_STATUSES", "INLINE_ERRORS", "RECENT_RUNS",
    "Completeness", "DataAsOf", "Feed", "FieldCompleteness", "Freshness", "FreshnessState", "Preview", "PreviewCell",
    "PreviewRow", "RunError", "RunText", "SampleHeader", "SourceRow", "completeness", "current_row_counts",
    "data_as_of", "feeds", "freshness_for_tables", "freshness_of", "mapping_preview", "row_count_history", "run_errors",
    "run_file_path", "run_report_path", "run_tables", "run_text", "run_versions", "runs_search",
    "sample_header", "sources_overview", "table_freshness", "worst",
]  # fmt: skip
