"""PDF helpers shared by the pages that print (the evaluation bulletin, component labels)."""

from __future__ import annotations

# ReportLab's built-in CID font for simplified Chinese (Adobe-GB1): nothing to ship or embed;
# PDF readers draw it with their own Song typeface.
CJK_FONT = "STSong-Light"


def cjk_font() -> str:
    """The font name to write Chinese (and Latin) text with, registered once."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    return CJK_FONT
