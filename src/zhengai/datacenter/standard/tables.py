"""The standard tables the data center holds (the school's data standard, DESIGN decision 3)."""

from __future__ import annotations

from zhengai.datacenter.standard.base import Field, FieldType, StandardTable, TableKind, TimeKind

T = FieldType


def s(name: str, label: str, *, required: bool = False, max_length: int = 64, **kw) -> Field:
    return Field(name, label, T.STRING, required=required, max_length=max_length, **kw)


def i(name: str, label: str, *, required: bool = False, min_value: float | None = 0, **kw) -> Field:
    return Field(name, label, T.INTEGER, required=required, min_value=min_value, **kw)


def d(name: str, label: str, *, required: bool = False, min_value: float | None = 0, **kw) -> Field:
    return Field(name, label, T.DECIMAL, required=required, min_value=min_value, **kw)


def c(name: str, label: str, code_set: str, *, required: bool = True, **kw) -> Field:
    return Field(name, label, T.CODE, required=required, code_set=code_set, **kw)


def day(name: str, label: str, *, required: bool = False, **kw) -> Field:
    return Field(name, label, T.DATE, required=required, **kw)


def ts(name: str, label: str, *, required: bool = True, **kw) -> Field:
    return Field(name, label, T.DATETIME, required=required, **kw)


def b(name: str, label: str, *, required: bool = False, **kw) -> Field:
    return Field(name, label, T.BOOLEAN, required=required, **kw)


def term(required: bool = True) -> Field:
    return s("term", "学期", required=required, max_length=11, description="学期代码，如 2024-2025-1")


def year(name: str = "academic_year", label: str = "学年") -> Field:
    return i(
        name,
        label,
        required=True,
        min_value=2000,
        max_value=2100,
        description="学年起始年，如 2024 表示 2024-2025学年",
    )


def student_ref(required: bool = True) -> Field:
    return s("student_no", "学号", required=required, max_length=20, references="students.student_no")


def teacher_ref(name: str = "staff_no", label: str = "工号", required: bool = True) -> Field:
    return s(name, label, required=required, max_length=20, references="teachers.staff_no")


def course_ref(required: bool = True) -> Field:
    return s("course_code", "课程代码", required=required, max_length=20, references="courses.course_code")


def major_ref(required: bool = True) -> Field:
    return s("major_code", "专业代码", required=required, max_length=12, references="majors.major_code")


def dept_ref(name: str = "dept_code", label: str = "部门代码", required: bool = True) -> Field:
    return s(name, label, required=required, max_length=16, references="departments.dept_code")


JW, XG, RS, CW, YKT, TS, ZJ, XL, HQ, ZC = (
    "教务",
    "学工",
    "人事",
    "财务",
    "一卡通",
    "图书",
    "招生就业",
    "心理健康",
    "后勤",
    "资产",
)

TABLES_LIST: list[StandardTable] = [
    # ---------------------------------------------------------------- rosters (时点 snapshots)
    StandardTable(
        "departments",
        "部门",
        RS,
        TableKind.SNAPSHOT,
        TimeKind.POINT,
        ("dept_code",),
        (
            s("dept_code", "部门代码", required=True, max_length=16),
            s("dept_name", "部门名称", required=True),
            c("dept_kind", "部门类别", "org_kind"),
            s("parent_code", "上级部门代码", max_length=16),
        ),
        description="学院各职能处室、教学系部与质控机构。",
        entity="school",
    ),
    StandardTable(
        "majors",
        "专业",
        JW,
        TableKind.SNAPSHOT,
        TimeKind.POINT,
        ("major_code",),
        (
            s("major_code", "专业代码", required=True, max_length=12, description="高职专科专业目录代码"),
            s("major_name", "专业名称", required=True),
            dept_ref(),
            c("tier", "专业类别", "major_tier"),
            i("duration", "修业年限", required=True, min_value=2, max_value=5, unit="年"),
            i("established_year", "设置年份", min_value=1950, max_value=2100),
            teacher_ref("leader_staff_no", "专业带头人工号", required=False),
            b("enrolling", "当年招生", required=True),
        ),
        description="学院开设的专业及其带头人。",
        entity="major",
        national_table="专业设置",
    ),
    StandardTable(
        "courses",
        "课程",
        JW,
        TableKind.SNAPSHOT,
        TimeKind.POINT,
        ("course_code",),
        (
            s("course_code", "课程代码", required=True, max_length=20),
            s("course_name", "课程名称", required=True),
            c("course_kind", "课程类型", "course_kind"),
            dept_ref("dept_code", "开课部门代码"),
            major_ref(required=False),
            i("theory_hours", "理论学时", required=True, max_value=400, unit="学时"),
            i("practice_hours", "实践学时", required=True, max_value=1200, unit="学时"),
            d("credits", "学分", required=True, max_value=60, unit="学分"),
            teacher_ref("leader_staff_no", "课程负责人工号", required=False),
        ),
        description="课程库。公共基础课不属于某一专业。",
        entity="course",
    ),
    StandardTable(
        "classes",
        "班级",
        XG,
        TableKind.SNAPSHOT,
        TimeKind.POINT,
        ("class_code",),
        (
            s("class_code", "班级代码", required=True, max_length=20),
            s("class_name", "班级名称", required=True),
            major_ref(),
            i("cohort", "年级", required=True, min_value=2000, max_value=2100, description="入学年份"),
            teacher_ref("adviser_staff_no", "辅导员工号", required=False),
        ),
        entity="student",
    ),
    StandardTable(
        "students",
        "学生",
        XG,
        TableKind.SNAPSHOT,
        TimeKind.POINT,
        ("student_no",),
        (
            s("student_no", "学号", required=True, max_length=20),
            s("name", "姓名", required=True, max_length=32),
            c("gender", "性别", "gender"),
            day("birth_date", "出生日期"),
            major_ref(),
            s("class_code", "班级代码", required=True, max_length=20, references="classes.class_code"),
            i("cohort", "年级", required=True, min_value=2000, max_value=2100),
            c("status", "学籍状态", "student_status"),
            day("status_date", "学籍变动日期"),
            b("full_time", "全日制", required=True, description="计入“全日制在校生数”"),
            b("poverty", "家庭经济困难认定"),
            s("origin_province", "生源省份", max_length=16),
        ),
        description="学籍名册。离校学生以学籍状态保留历史。",
        entity="student",
        national_table="在校生",
    ),
    StandardTable(
        "teachers",
        "教师",
        RS,
        TableKind.SNAPSHOT,
        TimeKind.POINT,
        ("staff_no",),
        (
            s("staff_no", "工号", required=True, max_length=20),
            s("name", "姓名", required=True, max_length=32),
            c("gender", "性别", "gender"),
            i("birth_year", "出生年份", min_value=1940, max_value=2010),
            c("category", "教师类别", "teacher_category"),
            dept_ref(required=False),
            c("title_level", "专业技术职务级别", "title_level"),
            s("title_name", "专业技术职务", max_length=32),
            c("degree", "最高学位", "degree"),
            c("education", "最高学历", "education"),
            b("dual_qualified", "双师型", required=True),
            c("stage", "发展阶段", "teacher_stage", required=False),
            s("employer", "工作单位（校外教师）", max_length=128),
            day("hire_date", "入职日期"),
            b("teaching_qualified", "具有高校教师资格"),
        ),
        description="教职工中的教师，含校内专任、校内兼课、校外兼职、校外兼课四类。",
        entity="teacher",
        national_table="教职工基本信息（表6.1）",
    ),
    # ---------------------------------------------------------------- teaching (教务)
    StandardTable(
        "plan_courses",
        "人才培养方案课程",
        JW,
        TableKind.SNAPSHOT,
        TimeKind.ACADEMIC_YEAR,
        ("major_code", "cohort", "course_code"),
        (
            major_ref(),
            i("cohort", "适用年级", required=True, min_value=2000, max_value=2100),
            course_ref(),
            c("course_nature", "课程性质", "course_nature"),
            i("semester_no", "开设学期序号", required=True, min_value=1, max_value=10),
            i("theory_hours", "理论学时", required=True, max_value=400, unit="学时"),
            i("practice_hours", "实践学时", required=True, max_value=1200, unit="学时"),
            d("credits", "学分", required=True, max_value=60, unit="学分"),
            b("is_core", "专业核心课", required=True),
        ),
        description="各专业各年级人才培养方案中的课程设置与学时安排（教学进程表）。",
        time_field="cohort",
        entity="major",
    ),
    StandardTable(
        "course_offerings",
        "开课任务",
        JW,
        TableKind.SNAPSHOT,
        TimeKind.TERM,
        ("offering_id",),
        (
            s("offering_id", "教学任务号", required=True, max_length=40),
            term(),
            course_ref(),
            teacher_ref(),
            s("class_code", "上课班级代码", required=True, max_length=20, references="classes.class_code"),
            i("planned_hours", "计划学时", required=True, max_value=1200, unit="学时"),
            i("sessions", "计划课次", required=True, max_value=600),
            i("enrolled", "选课人数", required=True, max_value=500),
        ),
        description="每学期的教学任务：哪位教师给哪个班上哪门课。",
        time_field="term",
        entity="course",
    ),
    StandardTable(
        "grades",
        "成绩",
        JW,
        TableKind.EVENT,
        TimeKind.TERM,
        ("student_no", "course_code", "term", "exam_kind"),
        (
            student_ref(),
            course_ref(),
            term(),
            c("exam_kind", "考试类别", "exam_kind"),
            d("score", "成绩", min_value=0, max_value=100, unit="分"),
            b("passed", "及格", required=True),
            d("credits", "学分", required=True, max_value=60),
            c("exam_flag", "考试情况", "exam_flag"),
            s("offering_id", "教学任务号", max_length=40),
            day("exam_date", "考试日期"),
        ),
        description="课程成绩，含补考与重修。缺考、旷考记 0 分并标注考试情况。",
        time_field="term",
        entity="student",
    ),
    StandardTable(
        "attendance",
        "考勤异常",
        JW,
        TableKind.EVENT,
        TimeKind.EVENT_TIME,
        ("student_no", "offering_id", "session_date", "period"),
        (
            student_ref(),
            s(
                "offering_id",
                "教学任务号",
                required=True,
                max_length=40,
                references="course_offerings.offering_id",
            ),
            course_ref(),
            term(),
            day("session_date", "上课日期", required=True),
            i("period", "节次", required=True, min_value=1, max_value=12),
            c("status", "考勤状态", "attendance_status"),
            i("hours", "学时", required=True, min_value=1, max_value=4),
        ),
        description="课堂考勤的异常记录（迟到、早退、旷课、请假）；计划课次见开课任务。",
        time_field="session_date",
        entity="student",
    ),
    StandardTable(
        "teaching_evaluations",
        "学生评教",
        JW,
        TableKind.EVENT,
        TimeKind.TERM,
        ("offering_id", "term"),
        (
            s(
                "offering_id",
                "教学任务号",
                required=True,
                max_length=40,
                references="course_offerings.offering_id",
            ),
            term(),
            course_ref(),
            teacher_ref(),
            i("respondents", "参评人数", required=True, max_value=500),
            d("score", "评教得分", required=True, max_value=100, unit="分"),
        ),
        description="每个教学任务的学生评教汇总结果。",
        time_field="term",
        entity="teacher",
    ),
    StandardTable(
        "supervisor_observations",
        "督导听课",
        JW,
        TableKind.EVENT,
        TimeKind.EVENT_TIME,
        ("observation_id",),
        (
            s("observation_id", "听课记录号", required=True, max_length=40),
            day("observed_on", "听课日期", required=True),
            term(),
            s("offering_id", "教学任务号", max_length=40, references="course_offerings.offering_id"),
            course_ref(),
            teacher_ref(),
            teacher_ref("observer_staff_no", "督导工号"),
            d("score", "评价得分", required=True, max_value=100, unit="分"),
            s("comment", "评语", max_length=500),
        ),
        description="教学督导与同行听课记录。",
        time_field="observed_on",
        entity="teacher",
    ),
    # ---------------------------------------------------------------- campus life (一卡通, 图书, 后勤)
    StandardTable(
        "card_transactions",
        "一卡通消费",
        YKT,
        TableKind.EVENT,
        TimeKind.EVENT_TIME,
        ("txn_id",),
        (
            s("txn_id", "流水号", required=True, max_length=32),
            s("card_no", "卡号", required=True, max_length=20),
            student_ref(),
            ts("txn_time", "交易时间"),
            c("merchant_kind", "消费场所类别", "merchant_kind"),
            s("merchant_name", "商户名称", required=True),
            d("amount", "金额", required=True, min_value=0, max_value=10000, unit="元"),
            d("balance", "余额", min_value=None, max_value=100000, unit="元"),
        ),
        description="校园一卡通消费流水（学生）。",
        time_field="txn_time",
        entity="student",
    ),
    StandardTable(
        "dorm_access",
        "宿舍门禁",
        HQ,
        TableKind.EVENT,
        TimeKind.EVENT_TIME,
        ("access_id",),
        (
            s("access_id", "记录号", required=True, max_length=32),
            student_ref(),
            s("building", "楼栋", required=True, max_length=16),
            ts("access_time", "通行时间"),
            c("direction", "方向", "access_direction"),
        ),
        description="学生公寓门禁通行记录。",
        time_field="access_time",
        entity="student",
    ),
    StandardTable(
        "library_visits",
        "图书馆入馆",
        TS,
        TableKind.EVENT,
        TimeKind.EVENT_TIME,
        ("visit_id",),
        (
            s("visit_id", "记录号", required=True, max_length=32),
            s("reader_no", "读者证号", required=True, max_length=20),
            student_ref(required=False),
            teacher_ref(required=False),
            ts("visit_time", "入馆时间"),
        ),
        time_field="visit_time",
        entity="student",
    ),
    StandardTable(
        "library_loans",
        "图书借阅",
        TS,
        TableKind.EVENT,
        TimeKind.EVENT_TIME,
        ("loan_id", "action"),
        (
            s("loan_id", "借阅号", required=True, max_length=32),
            s("reader_no", "读者证号", required=True, max_length=20),
            student_ref(required=False),
            teacher_ref(required=False),
            s("barcode", "图书条码", required=True, max_length=32),
            s("clc_class", "中图分类号", max_length=16),
            c("action", "操作", "loan_action"),
            ts("action_time", "操作时间"),
        ),
        time_field="action_time",
        entity="student",
    ),
    # ---------------------------------------------------------------- student affairs (学工, 心理健康)
    StandardTable(
        "awards",
        "奖励与资助",
        XG,
        TableKind.EVENT,
        TimeKind.ACADEMIC_YEAR,
        ("award_id",),
        (
            s("award_id", "记录号", required=True, max_length=32),
            student_ref(),
            year(),
            c("award_kind", "奖助类别", "award_kind"),
            s("award_name", "名称", required=True, max_length=64),
            d("amount", "金额", min_value=0, max_value=100000, unit="元"),
            day("awarded_on", "发放日期"),
        ),
        time_field="academic_year",
        entity="student",
    ),
    StandardTable(
        "discipline",
        "违纪处分",
        XG,
        TableKind.EVENT,
        TimeKind.EVENT_TIME,
        ("record_id",),
        (
            s("record_id", "处分文号", required=True, max_length=32),
            student_ref(),
            day("decided_on", "处分日期", required=True),
            c("level", "处分等级", "discipline_level"),
            s("reason", "事由", required=True, max_length=200),
            day("revoked_on", "解除日期"),
        ),
        time_field="decided_on",
        entity="student",
    ),
    StandardTable(
        "physical_tests",
        "体质健康测试",
        XG,
        TableKind.EVENT,
        TimeKind.ACADEMIC_YEAR,
        ("student_no", "academic_year"),
        (
            student_ref(),
            year(),
            d("height_cm", "身高", min_value=100, max_value=230, unit="厘米"),
            d("weight_kg", "体重", min_value=25, max_value=200, unit="千克"),
            i("vital_capacity", "肺活量", min_value=500, max_value=9000, unit="毫升"),
            d(
                "run_seconds",
                "耐力跑成绩",
                min_value=120,
                max_value=900,
                unit="秒",
                description="男1000米/女800米",
            ),
            d("total_score", "总分", required=True, max_value=120, unit="分"),
            c("grade", "等级", "fitness_grade"),
        ),
        time_field="academic_year",
        entity="student",
    ),
    StandardTable(
        "psych_screenings",
        "心理健康筛查",
        XL,
        TableKind.EVENT,
        TimeKind.EVENT_TIME,
        ("screening_id",),
        (
            s("screening_id", "筛查号", required=True, max_length=32),
            student_ref(),
            day("screened_on", "筛查日期", required=True),
            s("instrument", "量表", required=True, max_length=32, description="如 SCL-90、UPI"),
            d("score", "量表得分", required=True, max_value=1000),
            c("level", "关注等级", "psych_level"),
        ),
        time_field="screened_on",
        entity="student",
    ),
    # ---------------------------------------------------------------- admissions and employment (招生就业)
    StandardTable(
        "admissions",
        "招生",
        ZJ,
        TableKind.SNAPSHOT,
        TimeKind.ACADEMIC_YEAR,
        ("academic_year", "major_code", "province"),
        (
            year(),
            major_ref(),
            s("province", "生源省份", required=True, max_length=16),
            i("plan", "计划数", required=True, max_value=5000),
            i("admitted", "录取数", required=True, max_value=5000),
            i("reported", "报到数", required=True, max_value=5000),
        ),
        description="分专业、分省招生计划、录取与报到。",
        time_field="academic_year",
        entity="major",
        national_table="招生计划与录取",
    ),
    StandardTable(
        "employment",
        "毕业去向",
        ZJ,
        TableKind.SNAPSHOT,
        TimeKind.ACADEMIC_YEAR,
        ("student_no",),
        (
            student_ref(),
            i("graduation_year", "毕业年份", required=True, min_value=2000, max_value=2100),
            major_ref(),
            c("destination", "毕业去向", "destination"),
            b("related", "专业对口"),
            s("employer", "就业单位", max_length=128),
            s("employer_region", "就业地区", max_length=32),
            d("starting_salary", "起薪", min_value=0, max_value=100000, unit="元/月"),
            i(
                "employer_satisfaction",
                "雇主满意度",
                min_value=1,
                max_value=5,
                description="1 很不满意 … 5 很满意",
            ),
            day("surveyed_on", "调查日期"),
        ),
        description="毕业生去向及跟踪调查（就业、对口、起薪、雇主满意度）。",
        time_field="graduation_year",
        entity="student",
    ),
    # ---------------------------------------------------------------- teacher development (人事)
    StandardTable(
        "teacher_training",
        "教师培训",
        RS,
        TableKind.EVENT,
        TimeKind.EVENT_TIME,
        ("record_id",),
        (
            s("record_id", "记录号", required=True, max_length=32),
            teacher_ref(),
            c("training_kind", "培训类别", "training_kind"),
            s("title", "培训项目", required=True, max_length=128),
            day("start_date", "开始日期", required=True),
            day("end_date", "结束日期", required=True),
            d("hours", "学时", required=True, max_value=2000, unit="学时"),
        ),
        time_field="start_date",
        entity="teacher",
    ),
    StandardTable(
        "enterprise_practice",
        "企业实践",
        RS,
        TableKind.EVENT,
        TimeKind.EVENT_TIME,
        ("record_id",),
        (
            s("record_id", "记录号", required=True, max_length=32),
            teacher_ref(),
            s("enterprise", "实践企业", required=True, max_length=128),
            day("start_date", "开始日期", required=True),
            day("end_date", "结束日期", required=True),
            i("days", "天数", required=True, min_value=1, max_value=366, unit="天"),
        ),
        time_field="start_date",
        entity="teacher",
    ),
    StandardTable(
        "research_outputs",
        "教科研成果",
        RS,
        TableKind.EVENT,
        TimeKind.CALENDAR_YEAR,
        ("output_id",),
        (
            s("output_id", "成果号", required=True, max_length=32),
            teacher_ref(),
            c("kind", "成果类别", "research_kind"),
            c("grade", "成果级别", "research_grade"),
            s("title", "名称", required=True, max_length=200),
            i("year", "年份", required=True, min_value=2000, max_value=2100),
            d("funding", "经费", min_value=0, max_value=100000000, unit="元"),
        ),
        time_field="year",
        entity="teacher",
    ),
    # ---------------------------------------------------------------- school (资产, 财务)
    StandardTable(
        "school_resources",
        "办学条件",
        ZC,
        TableKind.SNAPSHOT,
        TimeKind.POINT,
        ("academic_year",),
        (
            year(),
            c("school_category", "学校类别", "school_category"),
            d("land_area", "占地面积", required=True, unit="平方米"),
            d("building_area", "建筑面积", required=True, unit="平方米"),
            d("teaching_admin_area", "教学及辅助、行政办公用房面积", required=True, unit="平方米"),
            d("dorm_area", "学生宿舍面积", required=True, unit="平方米"),
            d("practice_area", "实践场所面积", unit="平方米"),
            d("equipment_value", "教学科研仪器设备资产总值", required=True, unit="元"),
            d("equipment_new_value", "当年新增教学科研仪器设备值", required=True, unit="元"),
            i("books", "图书总数", required=True, unit="册"),
            i("books_new", "当年新增图书", required=True, unit="册"),
            i("teaching_computers", "教学用计算机", required=True, unit="台"),
            i("multimedia_seats", "多媒体教室和语音实验室座位数", required=True, unit="个"),
            i("practice_stations", "校内实践教学工位数", unit="个"),
        ),
        description="学校层面办学条件（时点数），用于教发〔2004〕2号基本办学条件与监测指标。",
        time_field="academic_year",
        entity="school",
        national_table="基本办学条件",
    ),
    StandardTable(
        "finance",
        "经费收支",
        CW,
        TableKind.SNAPSHOT,
        TimeKind.CALENDAR_YEAR,
        ("year", "item_code"),
        (
            i("year", "年度", required=True, min_value=2000, max_value=2100),
            c("item_code", "经费项目", "finance_item"),
            d("amount", "金额", required=True, unit="元"),
        ),
        description="按自然年的经费收入与支出。",
        time_field="year",
        entity="school",
        national_table="经费收入/支出",
    ),
]
