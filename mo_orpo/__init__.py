"""mo-orpo: multi-objective ORPO with self-judgment (the training library; never imports Ray)."""

__version__ = "0.1.0"
