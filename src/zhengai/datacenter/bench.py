"""`zhengai bench import`: validated ingest speed of the import pipeline beside a bare read of the same file.

One realistic event table, 一卡通消费流水 (card_transactions: 9 source columns with Chinese names and
merchants, merchant kinds as labels, timestamps, amounts, one reference to the student roster), is
generated once per run from a fixed seed and written as UTF-8 CSV, GBK CSV, xlsx and a SQLite
database. For each, in the same process:

* bare read — what the fastest plain reader takes to get the file into memory
  (pyarrow.csv.read_csv; the same with encoding='gbk'; python_calamine to_python; sqlite3 fetchall);
* import — `import_run_create` + `import_run_execute` into a fresh data folder whose student roster
  was loaded beforehand (outside the timing): archive, decode, read, map, validate, check keys and
  references, compare, write Parquet, publish.

The last line printed is the summary::

    import 1M: csv-utf8 <rows/s> (<x>× bare), csv-gbk …, xlsx …, db …
"""

from __future__ import annotations

import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pv

from zhengai.lib.bench import Context, environment, highest_memory_bytes, measure, mib, rate, register, table

SEED = 20240901
FORMATS = ("csv-utf8", "csv-gbk", "xlsx", "db")
TABLE = "card_transactions"
# Source column (as the 一卡通 system exports it) → standard field; 姓名 is exported but not mapped.
CARD_COLUMNS = (
    ("流水号", "txn_id"),
    ("卡号", "card_no"),
    ("学工号", "student_no"),
    ("姓名", None),
    ("交易时间", "txn_time"),
    ("商户类型", "merchant_kind"),
    ("商户名称", "merchant_name"),
    ("交易金额", "amount"),
    ("卡余额", "balance"),
)
SQL_COLUMNS = {"姓名": "student_name"}
MERCHANTS = (
    ("食堂", "第一食堂一楼", 600, 1800),
    ("食堂", "第一食堂二楼风味餐厅", 800, 2500),
    ("食堂", "第二食堂", 500, 1600),
    ("食堂", "清真餐厅", 700, 1800),
    ("食堂", "教工餐厅", 1000, 3000),
    ("超市", "学苑超市", 200, 6000),
    ("超市", "北区便利店", 150, 3000),
    ("浴室", "北区浴室", 300, 600),
    ("浴室", "南区浴室", 300, 600),
    ("水电", "学生公寓水电缴费", 2000, 10000),
    ("打印复印", "图书馆打印点", 10, 500),
    ("打印复印", "文印中心", 50, 2000),
    ("其他", "校医院", 500, 5000),
    ("其他", "体育馆", 1000, 3000),
)
MERCHANT_WEIGHTS = np.array([18, 10, 16, 6, 4, 12, 8, 5, 5, 2, 5, 3, 3, 3], dtype=float)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国文婷欣怡浩宇子轩梓涵雨佳琪思晨博"


# ------------------------------------------------------------------------------------------ data


@dataclass
class Roster:
    """Standard-table rows (as text, with the standard's labels as column names) for the references."""

    tables: dict[str, pa.Table]  # departments, majors, classes, students
    student_no: np.ndarray
    student_name: np.ndarray
    card_no: np.ndarray


def _pick(rng: np.random.Generator, pool: str, n: int, k: int) -> np.ndarray:
    chars = np.array(list(pool))
    out = chars[rng.integers(0, len(chars), size=n)]
    for _ in range(k - 1):
        out = np.char.add(out, chars[rng.integers(0, len(chars), size=n)])
    return out


def _labels(name: str, values: dict[str, object]) -> pa.Table:
    from zhengai.datacenter.standard import table as standard_table

    fields = standard_table(name).fields
    n = len(next(iter(values.values())))
    cols = {}
    for f in fields:
        v = values.get(f.name)
        cols[f.label] = pa.array([None] * n, pa.string()) if v is None else pa.array(np.asarray(v).astype(str))
    return pa.table(cols)


def make_roster(students: int, seed: int = SEED) -> Roster:
    rng = np.random.default_rng(seed)
    majors = [("510201", "计算机应用技术"), ("510203", "软件技术"), ("520201", "护理"), ("530302", "大数据与会计")]
    n_classes = max(1, students // 45)
    class_major = np.arange(n_classes) % len(majors)
    class_codes = np.array([f"BJ{2024 - i % 3}{i:04d}" for i in range(n_classes)])
    cohort = np.array([2024 - i % 3 for i in range(n_classes)])
    student_class = np.sort(rng.integers(0, n_classes, size=students))
    student_no = np.char.add("2024", np.char.zfill(np.arange(1, students + 1).astype(str), 6))
    names = np.char.add(_pick(rng, SURNAMES, students, 1), _pick(rng, GIVEN, students, 2))
    card = np.char.add("8", np.char.zfill(rng.permutation(students).astype(str), 7))
    tables = {
        "departments": _labels(
            "departments", {"dept_code": ["xxgc"], "dept_name": ["信息工程系"], "dept_kind": ["教学系部"]}
        ),
        "majors": _labels(
            "majors",
            {
                "major_code": [m[0] for m in majors],
                "major_name": [m[1] for m in majors],
                "dept_code": ["xxgc"] * len(majors),
                "tier": ["院级重点"] * len(majors),
                "duration": ["3"] * len(majors),
                "enrolling": ["是"] * len(majors),
            },
        ),
        "classes": _labels(
            "classes",
            {
                "class_code": class_codes,
                "class_name": [
                    f"{majors[m][1]}{c % 100}{i % 10 + 1:02d}班"
                    for i, (m, c) in enumerate(zip(class_major, cohort, strict=True))
                ],
                "major_code": [majors[m][0] for m in class_major],
                "cohort": cohort,
            },
        ),
        "students": _labels(
            "students",
            {
                "student_no": student_no,
                "name": names,
                "gender": np.where(rng.random(students) < 0.5, "男", "女"),
                "major_code": np.array([m[0] for m in majors])[class_major[student_class]],
                "class_code": class_codes[student_class],
                "cohort": cohort[student_class],
                "status": ["在读"] * students,
                "full_time": ["是"] * students,
            },
        ),
    }
    return Roster(tables, student_no, names, card)


def _money(cents: np.ndarray) -> pa.Array:
    yuan = pc.cast(pa.array(cents // 100), pa.string())
    rest = pc.utf8_lpad(pc.cast(pa.array(cents % 100), pa.string()), 2, "0")
    return pc.binary_join_element_wise(yuan, rest, ".")


def make_transactions(rows: int, roster: Roster, seed: int = SEED) -> pa.Table:
    """`rows` card transactions as the 一卡通 system exports them: every value as text, Chinese headers."""
    rng = np.random.default_rng(seed + 1)
    who = rng.integers(0, len(roster.student_no), size=rows)
    merchant = rng.choice(len(MERCHANTS), size=rows, p=MERCHANT_WEIGHTS / MERCHANT_WEIGHTS.sum())
    start = np.datetime64("2024-09-01T00:00:00", "s")
    day = rng.integers(0, 120, size=rows).astype("timedelta64[D]")
    second = rng.integers(6 * 3600 + 1800, 21 * 3600 + 1800, size=rows).astype("timedelta64[s]")
    when = np.sort(start + day + second)
    low = np.array([m[2] for m in MERCHANTS])[merchant]
    high = np.array([m[3] for m in MERCHANTS])[merchant]
    amount = rng.integers(low, high + 1)
    balance = rng.integers(0, 80_000, size=rows)
    serial = pc.utf8_lpad(pc.cast(pa.array(np.arange(1, rows + 1)), pa.string()), 10, "0")
    columns = {
        "流水号": pc.binary_join_element_wise("YKT", serial, ""),
        "卡号": pa.array(roster.card_no[who]),
        "学工号": pa.array(roster.student_no[who]),
        "姓名": pa.array(roster.student_name[who]),
        "交易时间": pc.cast(pa.array(when), pa.string()),
        "商户类型": pc.take(pa.array([m[0] for m in MERCHANTS]), pa.array(merchant)),
        "商户名称": pc.take(pa.array([m[1] for m in MERCHANTS]), pa.array(merchant)),
        "交易金额": _money(amount),
        "卡余额": _money(balance),
    }
    return pa.table(columns)


# ------------------------------------------------------------------------------------------ files


def write_csv(data: pa.Table, path: Path, *, encoding: str = "utf-8") -> Path:
    """Plain CSV with a header row and CRLF line ends, as campus systems export it."""
    options = pv.WriteOptions(include_header=True, quoting_style="none", delimiter=",")
    if encoding == "utf-8":
        pv.write_csv(data, path, write_options=options)
        return path
    tmp = path.with_suffix(".utf8.tmp")
    pv.write_csv(data, tmp, write_options=options)
    text = tmp.read_bytes().decode("utf-8")
    path.write_bytes(text.encode(encoding))
    tmp.unlink()
    return path


def write_xlsx(data: pa.Table, path: Path) -> Path:
    """An Excel export: text cells, the time as a date-time cell, amounts as numbers (constant memory)."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("消费流水")
    stamp = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    names = data.column_names
    ws.write_row(0, 0, names)
    t = names.index("交易时间")
    seconds = pc.cast(pc.strptime(data.column(t), format="%Y-%m-%d %H:%M:%S", unit="s"), pa.int64())
    serial = (seconds.to_numpy() / 86400.0 + 25569.0).tolist()
    before = list(zip(*(data.column(i).to_pylist() for i in range(t)), strict=True))
    after_text = [data.column(i).to_pylist() for i in range(t + 1, len(names) - 2)]
    after_num = [pc.cast(data.column(i), pa.float64()).to_pylist() for i in range(len(names) - 2, len(names))]
    after = list(zip(*after_text, *after_num, strict=True))
    write_row, write_number = ws.write_row, ws.write_number
    for r in range(data.num_rows):
        write_row(r + 1, 0, before[r])
        write_number(r + 1, t, serial[r], stamp)
        write_row(r + 1, t + 1, after[r])
    wb.close()
    return path


def sql_name(column: str) -> str:
    return SQL_COLUMNS.get(column) or dict(CARD_COLUMNS)[column]


def write_sqlite(data: pa.Table, path: Path) -> Path:
    """The same rows in a SQLite table of the 一卡通 system's database (amounts as REAL, time as TEXT)."""
    names = [sql_name(c) for c in data.column_names]
    types = ["REAL" if n in ("amount", "balance") else "TEXT" for n in names]
    con = sqlite3.connect(path)
    try:
        con.execute(f"CREATE TABLE {TABLE} ({', '.join(f'{n} {t}' for n, t in zip(names, types, strict=True))})")
        columns = [
            pc.cast(col, pa.float64()).to_pylist() if kind == "REAL" else col.to_pylist()
            for col, kind in zip(data.columns, types, strict=True)
        ]
        con.executemany(f"INSERT INTO {TABLE} VALUES ({', '.join('?' * len(names))})", zip(*columns, strict=True))
        con.commit()
    finally:
        con.close()
    return path


# ------------------------------------------------------------------------------------------ bare reads


def bare_read(fmt: str, path: Path) -> int:
    """Read the file with the fastest plain reader, nothing else; returns the rows read."""
    if fmt == "csv-utf8":
        return pv.read_csv(path).num_rows
    if fmt == "csv-gbk":
        return pv.read_csv(path, read_options=pv.ReadOptions(encoding="gbk")).num_rows
    if fmt == "xlsx":
        from python_calamine import CalamineWorkbook

        return len(CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()) - 1
    if fmt == "db":
        con = sqlite3.connect(path)
        try:
            columns = ", ".join(sql_name(c) for c, field in CARD_COLUMNS if field)
            return len(con.execute(f"SELECT {columns} FROM {TABLE}").fetchall())
        finally:
            con.close()
    raise ValueError(fmt)


# ------------------------------------------------------------------------------------------ the pipeline


def _sources(db_path: Path | None):
    """A files source (CSV, xlsx) and a database source for 一卡通, plus a 学工 source for the roster."""
    from zhengai.datacenter.models import SourceMapping, SourceSystem
    from zhengai.datacenter.standard import table as standard_table

    roster, _ = SourceSystem.objects.get_or_create(
        code="bench-roster", defaults={"name": "基准测试名册", "connector": "files"}
    )
    for order, name in enumerate(("departments", "majors", "classes", "students")):
        SourceMapping.objects.update_or_create(
            source=roster,
            table=name,
            defaults={"columns": {f.name: f.label for f in standard_table(name).fields}, "order": order},
        )
    files, _ = SourceSystem.objects.get_or_create(
        code="bench-card-files", defaults={"name": "一卡通（文件）", "connector": "files"}
    )
    SourceMapping.objects.update_or_create(
        source=files, table=TABLE, defaults={"columns": {f: c for c, f in CARD_COLUMNS if f}}
    )
    database = None
    if db_path is not None:
        database, _ = SourceSystem.objects.update_or_create(
            code="bench-card-db",
            defaults={"name": "一卡通（数据库）", "connector": "sql", "config": {"url": f"sqlite:///{db_path}"}},
        )
        SourceMapping.objects.update_or_create(
            source=database, table=TABLE, defaults={"locator": TABLE, "columns": {f: f for _, f in CARD_COLUMNS if f}}
        )
    return roster, files, database


def _fresh_data_dir(path: Path) -> None:
    """Point the data center at an empty folder and forget every version (the database is a throw-away one)."""
    from django.conf import settings

    from zhengai.datacenter.models import DatasetVersion

    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    settings.DATA_DIR = path
    DatasetVersion.objects.all().delete()


def _import(source, name: str, paths: list[Path]):
    from zhengai.datacenter.choices import RunStatus
    from zhengai.datacenter.services import import_run_create, import_run_execute

    run = import_run_execute(run=import_run_create(source=source, table=name, paths=paths))
    if run.status not in (RunStatus.COMMITTED, RunStatus.UNCHANGED):
        raise RuntimeError(f"基准测试导入“{name}”未成功：{run.get_status_display()} {run.message} {run.decision}")
    return run


@dataclass
class Result:
    fmt: str
    rows: int
    size: int
    bare_s: float
    bare_peak: int
    import_s: float
    import_peak: int
    generate_s: float
    bare_extra: int = 0  # peak above what the process held when the step started
    import_extra: int = 0

    @property
    def ratio(self) -> float:
        return self.import_s / self.bare_s if self.bare_s > 0 else float("inf")


def _generate(fmt: str, data: pa.Table, folder: Path) -> Path:
    if fmt == "csv-utf8":
        return write_csv(data, folder / "一卡通消费流水.csv")
    if fmt == "csv-gbk":
        return write_csv(data, folder / "一卡通消费流水_gbk.csv", encoding="gbk")
    if fmt == "xlsx":
        return write_xlsx(data, folder / "一卡通消费流水.xlsx")
    if fmt == "db":
        return write_sqlite(data, folder / "yikatong.sqlite3")
    raise ValueError(fmt)


def _paths_for(formats: tuple[str, ...], data: pa.Table, folder: Path, ctx: Context | None = None):
    paths: dict[str, Path] = {}
    generate: dict[str, float] = {}
    folder.mkdir(parents=True, exist_ok=True)
    for fmt in formats:
        with measure() as m:
            paths[fmt] = _generate(fmt, data, folder)
        generate[fmt] = m.seconds
        if ctx is not None:
            ctx.say(f"写出 {fmt}：{paths[fmt].name}，{mib(paths[fmt].stat().st_size)}，用时 {m.seconds:.1f} 秒")
    return paths, generate


def _roster_files(roster: Roster, folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return {name: write_csv(rows, folder / f"名册_{name}.csv") for name, rows in roster.tables.items()}


def _one_round(fmt: str, path: Path, rows: int, data_dir: Path, roster_files: dict[str, Path], sources) -> tuple:
    """Fresh data folder and roster (untimed), then the bare read and the import, each measured."""
    roster_source, files_source, db_source = sources
    _fresh_data_dir(data_dir)
    for name in ("departments", "majors", "classes", "students"):
        _import(roster_source, name, [roster_files[name]])
    with measure() as bare:
        got = bare_read(fmt, path)
    if got != rows:
        raise RuntimeError(f"{fmt} 直接读取得到 {got:,} 行，应为 {rows:,} 行")
    with measure() as full:
        run = _import(db_source if fmt == "db" else files_source, TABLE, [] if fmt == "db" else [path])
    if run.rows_new != rows or run.rows_invalid:
        raise RuntimeError(f"{fmt} 导入结果不对：新增 {run.rows_new:,}、无效 {run.rows_invalid:,}，应新增 {rows:,}")
    shutil.rmtree(data_dir, ignore_errors=True)
    return bare, full


def run_import_bench(
    ctx: Context, *, formats: tuple[str, ...] = FORMATS, students: int | None = None, repeat: int = 3
) -> list[Result]:
    """Generate the files, then time bare reads and imports (best of `repeat`); one result per format.

    Before timing, every format is read and imported once at a small size, so that what is timed
    is the steady state (modules loaded, readers initialised) and not the first call of a process.
    """
    from django.conf import settings

    if not ctx.options.get("throwaway_db"):
        raise RuntimeError("基准测试只能在一次性的数据库上运行（请通过 zhengai bench 命令运行）")
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ValueError(f"未知格式：{'、'.join(unknown)}（可选：{'、'.join(FORMATS)}）")
    n = ctx.rows
    repeat = max(1, repeat)
    students = students or max(200, min(20_000, n // 50))
    ctx.say(
        f"诊改平台 导入基准测试：{TABLE}（一卡通消费流水）{n:,} 行 × {len(CARD_COLUMNS)} 列，"
        f"学生名册 {students:,} 人，每种格式取 {repeat} 次中最快的一次"
    )
    ctx.say(environment())
    roster = make_roster(students)
    with measure() as m:
        data = make_transactions(n, roster)
    ctx.say(f"生成数据：{m.seconds:.1f} 秒")
    folder = ctx.workdir / "files"
    roster_files = _roster_files(roster, folder)
    paths, generate = _paths_for(formats, data, folder, ctx)
    warm_rows = min(n, 2000)
    warm_paths, _ = _paths_for(formats, data.slice(0, warm_rows), ctx.workdir / "warm-up")
    del data
    original_data_dir = settings.DATA_DIR
    results: list[Result] = []
    try:
        for fmt in formats:
            warm_sources = _sources(warm_paths["db"] if fmt == "db" else None)
            _one_round(fmt, warm_paths[fmt], warm_rows, ctx.workdir / "data-warm-up", roster_files, warm_sources)
            sources = _sources(paths["db"] if fmt == "db" else None)
            rounds = [
                _one_round(fmt, paths[fmt], n, ctx.workdir / f"data-{fmt}-{i}", roster_files, sources)
                for i in range(repeat)
            ]
            bare = min((r[0] for r in rounds), key=lambda m: m.seconds)
            full = min((r[1] for r in rounds), key=lambda m: m.seconds)
            peak_bare = max(r[0].peak_bytes for r in rounds)
            peak_full = max(r[1].peak_bytes for r in rounds)
            extra_bare = max(r[0].peak_extra_bytes for r in rounds)
            extra_full = max(r[1].peak_extra_bytes for r in rounds)
            size = paths[fmt].stat().st_size
            results.append(
                Result(fmt, n, size, bare.seconds, peak_bare, full.seconds, peak_full, generate[fmt],
                       extra_bare, extra_full)
            )  # fmt: skip
            times = "、".join(f"{r[1].seconds:.2f}" for r in rounds)
            bare_times = "、".join(f"{r[0].seconds:.2f}" for r in rounds)
            ctx.say(f"{fmt}：直接读取 {bare_times} 秒；完整导入 {times} 秒")
    finally:
        settings.DATA_DIR = original_data_dir
    return results


def _label(n: int) -> str:
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n % 1000 == 0:
        return f"{n // 1000}k"
    return str(n)


def summary_line(results: list[Result]) -> str:
    n = results[0].rows if results else 0
    parts = [f"{r.fmt} {rate(r.rows, r.import_s)} ({r.ratio:.2f}× bare)" for r in results]
    return f"import {_label(n)}: " + ", ".join(parts)


def report(results: list[Result]) -> str:
    rows = [
        (
            r.fmt,
            mib(r.size),
            f"{r.bare_s:.2f}",
            rate(r.rows, r.bare_s),
            f"{mib(r.bare_peak)}（+{r.bare_extra / (1 << 20):,.0f}）",
            f"{r.import_s:.2f}",
            rate(r.rows, r.import_s),
            f"{r.ratio:.2f}×",
            f"{mib(r.import_peak)}（+{r.import_extra / (1 << 20):,.0f}）",
        )
        for r in results
    ]
    headers = (
        "格式",
        "文件大小",
        "直接读取秒",
        "直接读取行/秒",
        "读取峰值内存",
        "导入秒",
        "导入行/秒",
        "倍数",
        "导入峰值内存",
    )
    return table(headers, rows)


def _arguments(parser) -> None:
    parser.add_argument("--formats", default=",".join(FORMATS), help=f"逗号分隔，可选 {','.join(FORMATS)}")
    parser.add_argument("--students", type=int, default=None, help="学生名册人数（默认 行数/50，最多 20000）")
    parser.add_argument("--repeat", type=int, default=3, help="每种格式测几次，取最快的一次（默认 3）")


@register("import", "导入流水线：1M 行一卡通流水（UTF-8/GBK CSV、xlsx、SQLite）的校验入库速度与直接读取对比",
          arguments=_arguments)  # fmt: skip
def bench_import(ctx: Context) -> list[Result]:
    formats = tuple(f.strip() for f in str(ctx.options.get("formats") or ",".join(FORMATS)).split(",") if f.strip())
    results = run_import_bench(
        ctx, formats=formats, students=ctx.options.get("students"), repeat=int(ctx.options.get("repeat") or 3)
    )
    ctx.say()
    ctx.say(report(results))
    ctx.say(
        "倍数 = 完整导入用时 ÷ 直接读取用时；峰值内存 = 该步骤期间进程的最高常驻内存"
        "（括号内为比步骤开始时多出的 MiB）。"
    )
    ctx.say(f"整个基准测试进程的峰值内存：{mib(highest_memory_bytes())}")
    ctx.say(summary_line(results))
    return results
