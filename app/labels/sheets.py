"""Label stock as data, and where each label lands on an A4 sheet.

Every label is placed at an absolute position in millimetres measured from the sheet's
top-left corner: laying labels out with flowing boxes drifts by a fraction of a millimetre
per row, which is a whole label's misprint by the bottom of a sheet.
"""

from dataclasses import dataclass, replace
from math import ceil

from flask_babel import lazy_gettext as _l

PAGE_WIDTH = 210.0
PAGE_HEIGHT = 297.0


@dataclass(frozen=True)
class Stock:
    key: str
    description: object  # a lazy string, shown in the user's language
    columns: int
    rows: int
    label_width: float
    label_height: float
    top: float
    left: float
    column_pitch: float
    row_pitch: float
    # The QR image, quiet zone included, is a square of this side; the code is printed below.
    qr_size: float
    # White space inside the label's edge.
    padding: float
    # "M" for stickers (indoors, small); "Q" for outdoor plates (see app.labels.qr).
    error_level: str
    code_pt: float
    name_pt: float
    small_pt: float
    name_lines: int
    # Plates are cut from plain paper, so they get a faint cutting line; stickers are die-cut.
    cut_line: bool = False

    @property
    def per_sheet(self) -> int:
        return self.columns * self.rows

    def position(self, cell: int) -> tuple[float, float]:
        """Left and top, in mm, of a cell on its sheet (cells count from 0, row by row)."""
        row, column = divmod(cell, self.columns)
        return (
            round(self.left + column * self.column_pitch, 3),
            round(self.top + row * self.row_pitch, 3),
        )


L7160 = Stock(
    key="L7160",
    description=_l("L7160: 21 a sheet, 63.5 × 38.1 mm"),
    columns=3,
    rows=7,
    label_width=63.5,
    label_height=38.1,
    top=15.15,
    left=7.25,
    column_pitch=66.04,
    row_pitch=38.1,
    qr_size=30.0,
    padding=1.5,
    error_level="M",
    code_pt=12,
    name_pt=8.5,
    small_pt=6.5,
    name_lines=3,
)
# The same rows of stickers as L7160, in two wider columns: its QR and code as L7160's, with
# room for a larger name.
L7163 = replace(
    L7160,
    key="L7163",
    description=_l("L7163: 14 a sheet, 99.1 × 38.1 mm"),
    columns=2,
    label_width=99.1,
    left=4.65,
    column_pitch=101.6,
    name_pt=11,
    small_pt=7.5,
    name_lines=2,
)
# Two columns of four: A4 cut into eighths (105 × 74.25 mm), a plate of
# 95 × 64 mm centred in each, with a 10 mm gutter for the scissors.
PLATE = Stock(
    key="plate",
    description=_l("Plates: 8 a sheet, 95 × 64 mm, to cut out"),
    columns=2,
    rows=4,
    label_width=95.0,
    label_height=64.0,
    top=5.125,
    left=5.0,
    column_pitch=105.0,
    row_pitch=74.25,
    qr_size=50.0,
    padding=3.5,
    error_level="Q",
    code_pt=16,
    name_pt=13,
    small_pt=8.5,
    name_lines=4,
    cut_line=True,
)
STOCKS = {stock.key: stock for stock in (L7160, L7163, PLATE)}

DEFAULT_STOCK = "L7160"
# A sheet of this many labels already takes a while to generate the first time and to print.
MAX_LABELS = 2000


@dataclass(frozen=True)
class Cell:
    """One place on a sheet: `item` is None for a cell left free (before the start position)."""

    number: int  # 1-based, as a person counts the labels on a sheet
    left: float
    top: float
    item: object = None


def layout(stock: Stock, items: list, start: int = 1) -> list[list[Cell]]:
    """The sheets needed for `items`, starting at label `start` (1-based) of the first sheet.

    Every cell of every sheet is returned, so a preview can show the free ones too.
    """
    if not 1 <= start <= stock.per_sheet:
        raise ValueError(f"start must be 1..{stock.per_sheet}, not {start}")
    if not items:
        return []
    skipped = start - 1
    sheet_count = ceil((skipped + len(items)) / stock.per_sheet)
    sheets = []
    for sheet_index in range(sheet_count):
        cells = []
        for cell in range(stock.per_sheet):
            index = sheet_index * stock.per_sheet + cell - skipped
            item = items[index] if 0 <= index < len(items) else None
            cells.append(Cell(cell + 1, *stock.position(cell), item))
        sheets.append(cells)
    return sheets
