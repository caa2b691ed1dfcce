"""The whole built-in catalogue gives the same results on DuckDB and on Spark (floats within 1e-9).

Both engines read the same data versions of the 600-student demo college (fixture `evaluated_demo`)
and compute every indicator over every period of the demo's three academic years.
"""

from __future__ import annotations

import datetime as dt
import math

import pytest

# django_db: the session fixture needs the test database set up (it loads the demo into it).
pytestmark = [pytest.mark.slow, pytest.mark.django_db]


def _rows(table) -> dict[tuple[str, str], float | None]:
    out = {}
    for period, entity, value in zip(
        table.column("period").to_pylist(),
        table.column("entity").to_pylist(),
        table.column("value").to_pylist(),
        strict=True,
    ):
        assert (period, entity) not in out, f"duplicate measurement {period} {entity}"
        out[(period, entity)] = None if value is None or math.isnan(value) else value
    return out


def test_duckdb_and_spark_agree_on_the_whole_catalogue(evaluated_demo, settings):
    pytest.importorskip("pyspark", reason="Spark 引擎需要 pip install 'zhengai[spark]'")
    from zhengai.indicators.compiler import Context, compile_indicator
    from zhengai.indicators.declarations import shipped_catalogue
    from zhengai.indicators.engines import open_engine
    from zhengai.indicators.periods import default_terms, periods_between

    settings.DATA_DIR = evaluated_demo.data_dir
    catalogue = shipped_catalogue()
    assert len(catalogue) >= 80
    years = evaluated_demo.ground_truth["data_years"]
    first, last = dt.date(years[0], 9, 1), dt.date(years[-1] + 1, 8, 31)
    terms = default_terms(years[0], years[-1])
    duck = open_engine("duckdb", evaluated_demo.versions)
    spark = open_engine("spark", evaluated_demo.versions)
    differences, compared = [], 0
    try:
        for code, decl in catalogue.items():
            periods = periods_between(decl.period, first, last, terms=terms)
            a = _rows(duck.execute(compile_indicator(Context(duck, periods, terms), decl)))
            b = _rows(spark.execute(compile_indicator(Context(spark, periods, terms), decl)))
            assert a, f"{code} yields no measurement on the demo college"
            if a.keys() != b.keys():
                differences.append(
                    f"{code}: {len(a.keys() ^ b.keys())} keys differ, e.g. {sorted(a.keys() ^ b.keys())[:3]}"
                )
                continue
            for key, x in a.items():
                y = b[key]
                if (x is None) != (y is None) or (x is not None and not math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9)):
                    differences.append(f"{code} {key}: duckdb {x!r} spark {y!r}")
                    break
            compared += len(a)
    finally:
        duck.close()
        spark.close()
    assert not differences, "\n".join(differences)
    assert compared > 10_000
