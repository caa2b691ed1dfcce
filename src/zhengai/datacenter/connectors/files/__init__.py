"""Files: CSV (UTF-8 with or without BOM, GBK, GB18030), xlsx and Parquet."""

from zhengai.datacenter.connectors.files import csv, parquet, xlsx

__all__ = ["csv", "parquet", "xlsx"]
