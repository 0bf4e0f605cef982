"""The knowledge base of ranked instructions (issue #4): store and importers so far."""
