"""Where the read-only `shared/jira-api` material lives (beside the repo locally and in CI)."""

from __future__ import annotations

from pathlib import Path


def find_shared_api_dir() -> Path:
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "shared" / "jira-api"
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        "shared/jira-api not found in any parent of the repo; the tests need Atlassian's specs and examples "
        "from ../shared/jira-api (CI lays them beside the clone)"
    )


SHARED_API_DIR = find_shared_api_dir()
OPENAPI_DIR = SHARED_API_DIR / "openapi"
SPEC_EXAMPLES_DIR = SHARED_API_DIR / "spec-examples"
GO_MOCKS_DIR = SHARED_API_DIR / "go-atlassian-mocks"
