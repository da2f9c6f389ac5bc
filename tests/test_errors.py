"""errors.Problem.line (issue 24, class 2): one problem, one line of `scoring check`, whatever its
message quotes (a sheet's name, a file's name, a value): tabs separate its four columns (file, sheet!cell, field, message) only."""

from scoring.errors import Problem


def test_a_problem_is_one_line_of_four_columns():
    p = Problem("sheet_renamed", "工作表“附表1”被重命名为“x\n伪造.xlsx\t-\t-\t[required] 伪造”", "a\tb.xlsx", "x\n伪造", "A1", "org\u202ename")
    line = p.line()
    assert line.splitlines() == [line] and line.count("\t") == 3 and "\u202e" not in line
    assert line.split("\t")[0] == "a<U+0009>b.xlsx" and "x<U+000A>伪造" in line.split("\t")[1]


def test_an_ordinary_problem_line_is_as_it_was():
    p = Problem("required", "“机构名称”为必填项，尚未填写", "zj/甲.xlsx", "附表1 基本情况", "C3", "org_name")
    assert p.line() == "zj/甲.xlsx\t附表1 基本情况!C3\torg_name\t[required] “机构名称”为必填项，尚未填写"
    assert p.line("其他.xlsx").startswith("其他.xlsx\t")
