"""Findings from external tools (ruff, mypy), mapped to protocol sections."""
