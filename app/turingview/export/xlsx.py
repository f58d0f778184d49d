"""A small, fast writer of Office Open XML workbooks (``.xlsx``) holding plain tables.

openpyxl builds a Python object per cell and takes seconds for the 20,000-row RJafroc sheets; tables of
numbers and text need none of that. This writer streams each sheet's XML straight into the zip: numbers as
``<v>`` values, text as inline strings, a bold header row, frozen first row and column widths fitted to
the content. The result opens in Excel and LibreOffice and reads back with openpyxl, pandas and R's
readxl (what ``RJafroc::DfReadDataFile`` uses); the tests read every written workbook back.
"""

from __future__ import annotations

import math
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "{sheets}</Types>"
)
_SHEET_TYPE = ('<Override PartName="/xl/worksheets/sheet{n}.xml" '
               'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>')
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def _col(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        name = chr(65 + rem) + name
    return name


def _text(value: str) -> str:
    clean = "".join(ch for ch in value if ch in "\t\n\r" or ord(ch) >= 32)
    return escape(clean)


def _cell(ref: str, value: Any, style: str = "") -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)) or value is pd.NA:
        return ""
    if isinstance(value, bool | np.bool_):
        return f'<c r="{ref}"{style} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | np.integer):
        return f'<c r="{ref}"{style}><v>{int(value)}</v></c>'
    if isinstance(value, float | np.floating):
        return f'<c r="{ref}"{style}><v>{float(value)!r}</v></c>'
    return f'<c r="{ref}"{style} t="inlineStr"><is><t xml:space="preserve">{_text(str(value))}</t></is></c>'


def _column_cells(letter: str, values: pd.Series) -> list[str]:
    """The ``<c>`` elements of one column (rows 2..n+1), formatted by the column's dtype."""
    rows = range(2, len(values) + 2)
    kind = values.dtype.kind
    if kind in "iu":
        return [f'<c r="{letter}{r}"><v>{v}</v></c>' for r, v in zip(rows, values.tolist(), strict=True)]
    if kind == "f":
        return [f'<c r="{letter}{r}"><v>{v!r}</v></c>' if math.isfinite(v) else ""
                for r, v in zip(rows, values.tolist(), strict=True)]
    if kind == "b":
        return [f'<c r="{letter}{r}" t="b"><v>{int(v)}</v></c>' for r, v in zip(rows, values.tolist(), strict=True)]
    obj = values.astype(object).where(values.notna(), None).tolist()
    return [_cell(f"{letter}{r}", v) for r, v in zip(rows, obj, strict=True)]


def _sheet_xml(frame: pd.DataFrame) -> str:
    columns = [str(c) for c in frame.columns]
    letters = [_col(i) for i in range(len(columns))]
    widths = []
    for c in frame.columns:
        sizes = [len(str(v)) for v in frame[c].iloc[:200].tolist() if v is not None and v == v]
        widths.append(max(8, min(60, max([len(str(c)), *sizes]) + 2)))
    parts = ['<row r="1">' + "".join(_cell(f"{letters[i]}1", c, ' s="1"') for i, c in enumerate(columns)) + "</row>"]
    if len(frame) and len(columns):
        cells = [_column_cells(letters[i], frame.iloc[:, i]) for i in range(len(columns))]
        parts += [f'<row r="{r}">' + "".join(row) + "</row>" for r, row in enumerate(zip(*cells, strict=True), 2)]
    cols = "".join(f'<col min="{i + 1}" max="{i + 1}" width="{w}" customWidth="1"/>' for i, w in enumerate(widths))
    view = ('<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
            'state="frozen"/></sheetView></sheetViews>')
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            + view + (f"<cols>{cols}</cols>" if cols else "") + "<sheetData>" + "".join(parts)
            + "</sheetData></worksheet>")


def write_xlsx(sheets: Sequence[tuple[str, pd.DataFrame]], path: Path) -> Path:
    """Write ``(sheet name, table)`` pairs as one workbook; names are cut to Excel's 31 characters."""
    names = [n[:31] for n, _ in sheets]
    if len(set(names)) != len(names):
        raise ValueError(f"sheet names must be unique: {names}")
    workbook = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
                + "".join(f'<sheet name="{escape(n, {chr(34): "&quot;"})}" sheetId="{i + 1}" r:id="rId{i + 1}"/>'
                          for i, n in enumerate(names)) + "</sheets></workbook>")
    rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(f'<Relationship Id="rId{i + 1}" '
                      'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
                      f'Target="worksheets/sheet{i + 1}.xml"/>' for i in range(len(names)))
            + f'<Relationship Id="rId{len(names) + 1}" '
              'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
              'Target="styles.xml"/></Relationships>')
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES.format(
            sheets="".join(_SHEET_TYPE.format(n=i + 1) for i in range(len(names)))))
        zf.writestr("_rels/.rels", _ROOT_RELS)
        zf.writestr("xl/workbook.xml", workbook)
        zf.writestr("xl/_rels/workbook.xml.rels", rels)
        zf.writestr("xl/styles.xml", _STYLES)
        for i, (_, frame) in enumerate(sheets):
            zf.writestr(f"xl/worksheets/sheet{i + 1}.xml", _sheet_xml(frame))
    return path
