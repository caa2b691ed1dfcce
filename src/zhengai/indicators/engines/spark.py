"""Apache Spark through PySpark (``pip install zhengai[spark]``; needs Java 17+).

Local mode by default; set ``ZHENGAI_SPARK_MASTER`` to run on a cluster that can read the data
center's folder. The session is shared by the process (starting Spark takes seconds).
"""

from __future__ import annotations

import os
import shutil

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from zhengai.datacenter.standard import TABLES_BY_NAME, FieldType
from zhengai.datacenter.store import Version
from zhengai.indicators.engines.base import Engine, EngineUnavailable

_SESSION = None


def spark_session():
    global _SESSION
    if _SESSION is not None:
        return _SESSION
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise EngineUnavailable("没有安装 PySpark：请执行 pip install 'zhengai[spark]'") from exc
    if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        raise EngineUnavailable("Spark 需要 Java 17 或更新版本，本机没有找到 java")
    builder = (
        SparkSession.builder.master(os.environ.get("ZHENGAI_SPARK_MASTER", "local[2]"))
        .appName("zhengai")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", os.environ.get("ZHENGAI_SPARK_PARTITIONS", "4"))
        # Same answers as DuckDB: NULL on x/0 and bad casts, dates read as written.
        .config("spark.sql.ansi.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", os.environ.get("ZHENGAI_SPARK_DRIVER_MEMORY", "2g"))
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.ui.showConsoleProgress", "false")
    )
    _SESSION = builder.getOrCreate()
    _SESSION.sparkContext.setLogLevel("ERROR")
    return _SESSION


_SPARK_TYPES = {
    FieldType.STRING: "string",
    FieldType.CODE: "string",
    FieldType.INTEGER: "bigint",
    FieldType.DECIMAL: "double",
    FieldType.DATE: "date",
    FieldType.DATETIME: "timestamp_ntz",
    FieldType.BOOLEAN: "boolean",
}


class SparkEngine(Engine):
    name = "spark"
    label = "Apache Spark"

    def __init__(self, versions: dict[str, Version | None]):
        super().__init__(versions)
        self.spark = spark_session()
        self.con = ibis.pyspark.connect(self.spark)
        self._views: list[str] = []

    def _load(self, name: str, version: Version | None) -> ir.Table:
        from pyspark.sql import functions as F

        spec = TABLES_BY_NAME[name]
        schema = ", ".join(f"`{f.name}` {_SPARK_TYPES[f.type]}" for f in spec.fields)
        if version is None or not version.files:
            df = self.spark.createDataFrame([], schema)
        else:
            # Files written before a field joined the standard lack its column: it reads as NULL.
            df = self.spark.read.option("mergeSchema", "true").parquet(*version.paths())
            if "_snapshot" in df.columns:
                latest = df.agg(F.max("_snapshot")).collect()[0][0]
                df = df.filter(F.col("_snapshot") == F.lit(latest))
            df = df.select(
                *[
                    (F.col(f.name) if f.name in df.columns else F.lit(None)).cast(_SPARK_TYPES[f.type]).alias(f.name)
                    for f in spec.fields
                ]
            )
        view = f"zhengai_{name}"
        df.createOrReplaceTempView(view)
        self._views.append(view)
        return self.con.table(view)

    def memtable(self, data: pa.Table) -> ir.Table:
        return ibis.memtable(data)

    def execute(self, expr: ir.Table) -> pa.Table:
        return self.con.to_pyarrow(expr)

    def close(self) -> None:
        for view in self._views:
            self.spark.catalog.dropTempView(view)
