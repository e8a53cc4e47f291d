"""oncall-tui: triage Jira / JSM incidents from the terminal.

Kept import-free so that `oncall-tui --help` and `oncall-tui list` start fast.
"""

__version__ = "0.1.0"
