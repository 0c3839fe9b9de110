"""QR labels of components (部件二维码标牌): an A4 PDF sheet, 3 x 8 labels a page, each with the
QR code of the component's page (an inspector who scans it opens the component, and reports on
it from there), its 17-digit identifier, name and category. ReportLab draws the QR codes and the
Chinese text (its built-in CID font, as the bulletin PDF): no browser, no font file."""

from __future__ import annotations

import io

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from core.pdf import cjk_font

COLUMNS, ROWS = 3, 8
MAX_LABELS = COLUMNS * ROWS * 20  # 20 pages a sheet request
MARGIN_X, MARGIN_Y = 8 * mm, 12 * mm
QR_SIZE = 24 * mm


def label_key(code: str, secret: str | None = None) -> str:
    """The key printed in a label's QR address beside the identifier: proof that whoever opens
    it holds the label (or its sheet), so the public report starts at the component without the
    register being open to anyone who counts through identifiers."""
    from django.utils.crypto import salted_hmac

    return salted_hmac("cityops.components.label", code, secret=secret).hexdigest()[:16]


def key_matches(code: str, key: str) -> bool:
    """Whether ``key`` is the label's, under the current SECRET_KEY or a retired one
    (SECRET_KEY_FALLBACKS): rotating the key does not void the labels on the streets."""
    from django.conf import settings
    from django.utils.crypto import constant_time_compare

    if not (code and key):
        return False
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return any(constant_time_compare(label_key(code, s), key) for s in secrets)


def sheet(components, url_of) -> bytes:
    """The labels of ``components`` (at most MAX_LABELS) as PDF bytes; ``url_of(component)`` is
    what each QR code holds."""
    font = cjk_font()
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, pageCompression=1)
    pdf.setTitle("CityOps component labels")
    width, height = A4
    cell_w = (width - 2 * MARGIN_X) / COLUMNS
    cell_h = (height - 2 * MARGIN_Y) / ROWS
    for i, component in enumerate(components):
        if i and i % (COLUMNS * ROWS) == 0:
            pdf.showPage()
        slot = i % (COLUMNS * ROWS)
        x = MARGIN_X + (slot % COLUMNS) * cell_w
        y = height - MARGIN_Y - (slot // COLUMNS + 1) * cell_h
        pdf.setStrokeColorRGB(0.75, 0.75, 0.75)
        pdf.rect(x + 1 * mm, y + 1 * mm, cell_w - 2 * mm, cell_h - 2 * mm)
        widget = QrCodeWidget(url_of(component), barLevel="M")
        x0, y0, x1, y1 = widget.getBounds()
        drawing = Drawing(
            QR_SIZE, QR_SIZE, transform=[QR_SIZE / (x1 - x0), 0, 0, QR_SIZE / (y1 - y0), 0, 0]
        )
        drawing.add(widget)
        renderPDF.draw(drawing, pdf, x + 2 * mm, y + (cell_h - QR_SIZE) / 2)
        text_x = x + 4 * mm + QR_SIZE
        pdf.setFillColorRGB(0, 0, 0)
        pdf.setFont(font, 10)
        pdf.drawString(text_x, y + cell_h - 10 * mm, component.name[:12])
        pdf.setFont(font, 7.5)
        pdf.drawString(text_x, y + cell_h - 15 * mm, component.code[:11])
        pdf.drawString(text_x, y + cell_h - 19 * mm, component.code[11:])
        pdf.setFont(font, 6.5)
        pdf.drawString(
            text_x, y + 5 * mm, (component.maintainer_name or component.manager_name)[:14]
        )
    pdf.save()
    return out.getvalue()
