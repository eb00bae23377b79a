"""One key into the OS keyring from a screen: which secret, its value (never shown), save.

Technician mode and the out-of-service screen both provision keys; the value is cleared
as soon as it is saved or refused, and only the secret's name and length leave this form.
"""

from __future__ import annotations

import base64
import binascii

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLineEdit, QWidget

from kiosk.secrets import Secret, set_secret
from kiosk.ui.widgets import BigButton

translate = QCoreApplication.translate
PROVISIONABLE = (Secret.BREKA_LOAD_MASTER, Secret.TERMINAL_SECRET, Secret.DEVICE_KEY)


def decode_secret(text: str) -> bytes:
    """A key typed or pasted as hex (spaces allowed) or base64."""
    text = text.strip()
    try:
        return bytes.fromhex(text.replace(" ", ""))
    except ValueError:
        pass
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not hex or base64") from exc


class SecretForm(QWidget):
    saved = Signal(str, int)  # the secret's name and its length in bytes (never the value)
    message = Signal(str)  # what happened, for the screen's status line

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.name = QComboBox()
        for s in PROVISIONABLE:
            self.name.addItem(s.value, s.value)
        self.value = QLineEdit()
        self.value.setEchoMode(QLineEdit.EchoMode.Password)
        self.save = BigButton(role="quiet")
        self.save.clicked.connect(self._save)
        row.addWidget(self.name, 1)
        row.addWidget(self.value, 2)
        row.addWidget(self.save, 1)
        self.retranslate()

    def retranslate(self) -> None:
        self.value.setPlaceholderText(translate("kiosk", "Key (hex or base64)"))
        self.save.setText(translate("kiosk", "Save to keyring"))

    def clear(self) -> None:
        self.value.clear()

    def _save(self) -> None:
        secret = Secret(self.name.currentData())
        try:
            value = decode_secret(self.value.text())
            set_secret(secret, value)
        except Exception as exc:  # noqa: BLE001 - shown; the value is never echoed
            self.message.emit(translate("kiosk", "Not saved: {e}").format(e=type(exc).__name__))
            return
        finally:
            self.value.clear()
        self.message.emit(translate("kiosk", "Saved {name} to the keyring.").format(name=secret.value))
        self.saved.emit(secret.value, len(value))
