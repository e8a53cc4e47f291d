"""People as Jira knows them: Cloud identifies them by accountId, Data Center by username."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Person"]


@dataclass(frozen=True, slots=True)
class Person:
    """A Jira user. At least one of `account_id` (Cloud) or `username` (Data Center) is set."""

    display_name: str
    account_id: str | None = None
    username: str | None = None
    email: str | None = None
    time_zone: str | None = None
    active: bool = True

    def __post_init__(self) -> None:
        # An identity is needed to assign issues and to compare people across polls.
        if not self.account_id and not self.username:
            raise ValueError("a Person needs an account_id or a username")

    @property
    def id(self) -> str:
        """The identifier to send back to Jira: accountId on Cloud, username on Data Center."""
        return self.account_id or self.username or ""
