"""MLE-bench-style benchmark: task plugins, systems side by side, a report."""
