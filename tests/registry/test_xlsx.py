"""The registry's Excel writer (`registry/xlsx.py`)."""

from datetime import date

from openpyxl import load_workbook


def test_the_excel_writer_keeps_text_numbers_and_hostile_characters(tmp_path):
    from scoring.registry.xlsx import write_table

    heading = [f"列{i}" for i in range(30)]  # past column Z
    row = ["  前后空格  ", "<script>&\"'", "控制\x01字符", 12, 86.65, True, None, "=SUM(A1)", "第一行\n第二行"] + ["x"] * 21
    path = write_table(tmp_path / "t.xlsx", '表"<1>', heading, [row], [10] * 30, date(2026, 11, 26))
    sheet = load_workbook(path).active
    assert sheet.title == '表"<1>' and sheet["AD1"].value == "列29" and sheet["AD2"].value == "x"
    assert [c.value for c in sheet[2]][:9] == ["  前后空格  ", "<script>&\"'", "控制字符", 12, 86.65, True, None, "=SUM(A1)", "第一行\n第二行"]
    assert sheet["H2"].data_type == "s"  # text, never a formula
    assert write_table(tmp_path / "u.xlsx", '表"<1>', heading, [row], [10] * 30, date(2026, 11, 26)).read_bytes() == path.read_bytes()
