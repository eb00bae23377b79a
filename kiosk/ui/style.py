"""The kiosk's look: large type readable from a metre, high contrast, a CJK font.

Sizes are computed for the window's height (800 px -> scale 1.0, 1080 px -> 1.35), so the
same screens work on 1280x800 and 1920x1080.
"""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase

CJK_FAMILIES = ("IPAPGothic", "IPAGothic", "Noto Sans CJK JP", "Noto Sans JP", "TakaoGothic")


def cjk_family() -> str:
    families = set(QFontDatabase.families())
    for family in CJK_FAMILIES:
        if family in families:
            return family
    return QFont().defaultFamily()


def scale_for(height: int, width: int | None = None) -> float:
    """800 px high -> 1.0; a narrow screen (portrait, 1024 wide) is bounded by its width too."""
    by_width = width / 1024 if width else 2.0
    return max(0.75, min(2.0, height / 800, by_width))


def stylesheet(scale: float, family: str) -> str:
    def px(n: float) -> int:
        return max(1, round(n * scale))

    return f"""
    QWidget {{ font-family: "{family}"; font-size: {px(24)}px; color: #1a1a1a; background: #ffffff; }}
    QLabel[role="title"] {{ font-size: {px(40)}px; font-weight: bold; color: #0b3d91; }}
    QLabel[role="step"] {{ font-size: {px(20)}px; color: #555555; }}
    QLabel[role="body"] {{ font-size: {px(26)}px; }}
    QLabel[role="small"] {{ font-size: {px(20)}px; color: #444444; }}
    QLabel[role="figure"] {{ font-size: {px(48)}px; font-weight: bold; }}
    QLabel[role="entry"] {{ font-size: {px(48)}px; font-weight: bold; border: 3px solid #0b3d91;
                            border-radius: {px(8)}px; padding: {px(2)}px; min-height: {px(56)}px; }}
    QLabel[role="soon"] {{ font-size: {px(20)}px; font-weight: bold; color: #8a3b00; background: #fff4d6;
                           border-left: {px(6)}px solid #c77700; padding: {px(2)}px {px(6)}px; }}
    QLabel[role="hint"] {{ font-size: {px(30)}px; color: #0b3d91; }}
    QWidget[role="banner"] {{ background: #fff4d6; border: 3px solid #c77700; border-radius: {px(10)}px; }}
    QLabel[role="banner-title"] {{ font-size: {px(30)}px; font-weight: bold; color: #8a3b00;
                                   background: transparent; }}
    QLabel[role="banner-text"] {{ font-size: {px(26)}px; background: transparent; }}
    QPushButton {{ font-size: {px(28)}px; min-height: {max(48, px(52))}px; border-radius: {px(10)}px;
                   padding: {px(4)}px {px(14)}px; border: 2px solid #0b3d91; background: #e8efff; }}
    QPushButton[role="primary"] {{ background: #0b3d91; color: #ffffff; font-weight: bold; }}
    QPushButton[role="danger"] {{ background: #ffffff; color: #a00000; border-color: #a00000; }}
    QPushButton[role="key"] {{ font-size: {px(34)}px; background: #f2f2f2; border-color: #888888; }}
    QPushButton[role="keyword"] {{ font-size: {px(24)}px; background: #f2f2f2; border-color: #888888;
                                   padding: {px(4)}px {px(4)}px; }}
    QPushButton[role="quick"] {{ font-size: {px(22)}px; background: #ffffff; border-color: #999999;
                                 padding: {px(4)}px {px(4)}px; }}
    QPushButton[role="bar"] {{ font-size: {px(20)}px; min-height: 48px; background: #ffffff; border-color: #999999; }}
    QPushButton[role="quiet"] {{ font-size: {px(24)}px; background: #ffffff; border-color: #999999; }}
    QPushButton:focus {{ border: {px(5)}px solid #e07b00; }}
    QPushButton:disabled {{ background: #dddddd; color: #888888; border-color: #bbbbbb; }}
    QProgressBar {{ min-height: {px(28)}px; border: 2px solid #0b3d91; border-radius: {px(6)}px; }}
    QProgressBar::chunk {{ background: #0b3d91; }}
    QTableWidget, QPlainTextEdit, QLineEdit {{ font-size: {px(20)}px; }}
    QLineEdit, QComboBox {{ min-height: {max(48, px(52))}px; font-size: {px(20)}px; }}
    """
