"""Pages of the data center: data dictionary, sources, uploads, import runs, mapping editor, data quality.

Views parse input, call selectors (reads) and services (writes), and render; `access` says who may
open and who may change what.
"""

from zhengai.datacenter.views.dictionary import dictionary
from zhengai.datacenter.views.mapping import mapping_edit
from zhengai.datacenter.views.quality import quality
from zhengai.datacenter.views.runs import run_confirm, run_detail, run_file, run_progress, run_report, run_retry, runs
from zhengai.datacenter.views.source_settings import source_edit, source_new
from zhengai.datacenter.views.sources import mapping_new, source_detail, source_sync, source_upload, sources

__all__ = [
    "dictionary", "mapping_edit", "mapping_new", "quality", "run_confirm", "run_detail", "run_file", "run_progress",
    "run_report", "run_retry", "runs", "source_detail", "source_edit", "source_new", "source_sync", "source_upload",
    "sources",
]  # fmt: skip
