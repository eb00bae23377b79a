"""The platform side of the card layer: PC/SC contexts, the reader monitor and the kiosk's reader.

Kept apart from the card protocols in kiosk.cardio (as ykman keeps ykman.pcsc apart from
yubikit): the protocols speak to an abstract Connection and never import this package.
kiosk.pcsc.context is the one module of the project that imports pyscard.
"""
