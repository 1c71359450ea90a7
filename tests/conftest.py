"""Suite-wide settings: quiet TRL's experimental warning (TRL is a reference in loss tests)."""

import os

os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")
