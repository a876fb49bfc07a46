"""Hirewire: an assessment hub where AI interview results land on each candidate's card, live."""

import os

# Piccolo finds its configuration through this variable; set it before any table is imported.
os.environ.setdefault("PICCOLO_CONF", "app.piccolo_conf")
