"""The demo panel: a small window beside the kiosk that puts the virtual cards on the one
vpcd reader and takes them away, as a citizen would at the counter (demo only)."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QComboBox, QLabel, QPushButton, QVBoxLayout, QWidget

from kiosk_demo import card_profiles
from kiosk_demo.vpcd import CardInReader, VirtualCard

SETTLE_MS = 700  # pcscd polls vpcd about every 0.4 s: a removal must be counted before the next card


class DemoPanel(QWidget):
    def __init__(self, demo, cards: dict[str, VirtualCard]):
        super().__init__()
        self.setWindowTitle("デモ操作 / demo panel")
        self.port = demo.counter.port
        self.profile = demo.counter.profile or card_profiles.get("ideal")
        self.cards = cards
        self.on_reader: tuple[str, CardInReader] | None = None
        box = QVBoxLayout(self)
        box.addWidget(QLabel("読み取り機に置くカード / card on the reader"))
        self.buttons: dict[str, QPushButton] = {}
        for name in cards:
            b = QPushButton(name)
            b.setMinimumHeight(48)
            b.clicked.connect(lambda _=False, n=name: self.put(n))
            box.addWidget(b)
            self.buttons[name] = b
        # How the next card placed behaves (docs/virtual-cards.md, "Card behaviour profiles").
        box.addWidget(QLabel("カードのふるまい / card behaviour"))
        self.profiles = QComboBox()
        self.profiles.addItems(list(card_profiles.PROFILES))
        self.profiles.setCurrentText(self.profile.name)
        self.profiles.currentTextChanged.connect(self._choose_profile)
        box.addWidget(self.profiles)
        self.away = QPushButton("カードを取る / take the card away")
        self.away.setMinimumHeight(48)
        self.away.clicked.connect(self.take_away)
        box.addWidget(self.away)
        self.state = QLabel("")
        box.addWidget(self.state)
        self._show()

    def put(self, name: str) -> None:
        """Put `name` on the reader; a card already there is taken away first (a swap)."""
        if self.on_reader is not None:
            if self.on_reader[0] == name:
                return
            self.take_away()
            self._enable(False)
            QTimer.singleShot(SETTLE_MS, lambda: self._insert(name))
            return
        self._insert(name)

    def _insert(self, name: str) -> None:
        holder = CardInReader(self.cards[name], self.port, profile=self.profile).insert()
        self.on_reader = (name, holder)
        self._enable(True)
        self._show()

    def take_away(self) -> None:
        if self.on_reader is not None:
            self.on_reader[1].remove()
            self.on_reader = None
        self._show()

    def _choose_profile(self, name: str) -> None:
        self.profile = card_profiles.get(name)
        self._show()

    def _enable(self, on: bool) -> None:
        for b in self.buttons.values():
            b.setEnabled(on)

    def _show(self) -> None:
        now = f"いま: {self.on_reader[0]}" if self.on_reader else "いま: なし / now: none"
        self.state.setText(f"{now} ({self.profile.name})")
