"""The embedded Jira simulator.

A second, independent implementation of Jira's side of the wire: it serves the Jira Cloud (v2/v3) and
Data Center REST APIs, the JSM servicedesk API and the JSM Ops on-call API on loopback. It must never
import from `oncall_tui.jira` (the client) or `oncall_tui.ui`, so the two cannot share a mistake.
"""
