"""Machine facts and package versions recorded beside every benchmark result."""

from __future__ import annotations

import os
import platform
from importlib import metadata

PACKAGES = ("linguacodus", "pandas", "numpy", "scikit-learn", "lightgbm", "xgboost-cpu",
            "autogluon.tabular", "flaml", "torch")


def machine_info() -> dict:
    cpu = ""
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), "")
    except OSError:
        pass
    memory_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(memory_gb, 1),
            "python": platform.python_version(), "platform": platform.platform(),
            "packages": versions}
