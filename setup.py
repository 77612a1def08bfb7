"""Package discovery that pyproject.toml cannot express on its own.

The rule pack lives in the top-level ``rules/`` folder but installs as ``dlint.rules``
(``package-dir`` in pyproject.toml). Static ``[tool.setuptools.packages.find]`` would name
its areas ``rules.base`` ..., so the list is computed here: a new area folder with an
``__init__.py`` is installed without anyone editing a list.
"""

from setuptools import find_packages, setup

setup(
    packages=[
        *find_packages(include=["dlint", "dlint.*"]),
        "dlint.rules",
        *(f"dlint.rules.{area}" for area in find_packages("rules")),
    ]
)
