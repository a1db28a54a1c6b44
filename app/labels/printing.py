"""A print-ready page of label sheets, for the browser and for `flask qr export`."""

from flask import render_template

from app.labels.qr import inline_svg
from app.labels.selection import Selection
from app.labels.sheets import Stock, layout


def render_sheet(selection: Selection, stock: Stock, start: int = 1, **context) -> str:
    """Self-contained HTML: its CSS and every QR code inline, nothing fetched."""
    items = [(label, inline_svg(label.code, stock.error_level)) for label in selection.labels]
    return render_template(
        "labels/sheet.html",
        stock=stock,
        start=start,
        selection=selection,
        sheets=layout(stock, items, start),
        **context,
    )
