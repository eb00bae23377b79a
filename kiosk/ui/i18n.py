"""Japanese by default, English on request, through Qt's translation files.

Source strings are English; resources/i18n/kiosk_ja.ts (pyside6-lupdate) holds the
Japanese, compiled to kiosk_ja.qm (pyside6-lrelease). English needs no file.
"""

from __future__ import annotations

from importlib.resources import as_file

from PySide6.QtCore import QCoreApplication, QLocale, QTranslator

# Not `from kiosk import resources`: mypy cannot see this package (pyproject [tool.mypy] says why).
import kiosk.resources as resources

LANGUAGES = ("ja", "en")
# The application has one language at a time: every translator any Languages installed, so that
# a kiosk left running (or not closed) cannot keep translating under the next one's choice.
_INSTALLED: list[QTranslator] = []


class Languages:
    def __init__(self, app: QCoreApplication):
        self.app = app
        self.current = "en"
        self._translator: QTranslator | None = None

    def use(self, language: str) -> str:
        if language not in LANGUAGES:
            raise ValueError(f"unknown language {language!r}")
        while _INSTALLED:
            self.app.removeTranslator(_INSTALLED.pop())
        self._translator = None
        if language != "en":
            translator = QTranslator(self.app)
            with as_file(resources.file("i18n", f"kiosk_{language}.qm")) as qm:
                if not translator.load(str(qm)):
                    raise FileNotFoundError(f"{qm}: translation file missing; run pyside6-lrelease")
            self.app.installTranslator(translator)
            self._translator = translator
            _INSTALLED.append(translator)
        QLocale.setDefault(QLocale(QLocale.Language.Japanese if language == "ja" else QLocale.Language.English))
        self.current = language
        return language

    def other(self) -> str:
        return "en" if self.current == "ja" else "ja"

    def close(self) -> None:
        """Take this kiosk's translator off the application (tests start several kiosks)."""
        if self._translator is not None:
            self.app.removeTranslator(self._translator)
            if self._translator in _INSTALLED:
                _INSTALLED.remove(self._translator)
            self._translator = None
