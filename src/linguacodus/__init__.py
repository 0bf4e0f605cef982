"""Linguacodus: from a Kaggle-style task to ranked instructions, one readable script and a
validated submission (arXiv 2403.11585)."""

__version__ = "0.1.0"
