"""`oncall-tui init`: ask (or take from flags) what a config needs, prove it works, then write it.

Nothing touches the disk before Jira has accepted the token and every queue's JQL: a config that was
written is a config that worked. The token itself is never taken from the command line (argv is visible
to every user of the machine through `ps`); a pasted token goes into a 0600 file next to the config.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import json
import os
import re
import secrets
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

import tomli_w

from oncall_tui.cli import EXIT_CONFIG, EXIT_FAILURE, EXIT_JIRA, EXIT_OK, EXIT_USAGE, PROG
from oncall_tui.cli_list import can_encode, write_text
from oncall_tui.config import (
    DEFAULT_TOKEN_ENV,
    Config,
    ConfigError,
    JiraConfig,
    QueueConfig,
    Secret,
    find_config_path,
    resolve_token,
    save_config,
)
from oncall_tui.domain.text import sanitize_line

__all__ = ["InitError", "MissingAnswer", "Prompter", "at_risk_queue", "default_queues", "project_scope", "run_init"]

# Queues that work on any site: nothing about them assumes a project called OPS.
_OPEN = "statusCategory != Done ORDER BY priority DESC, created ASC"
_PROJECT_KEY = re.compile(r"[A-Z][A-Z0-9_]{0,254}")
_JIRA_ORDER = ["url", "deployment", "email", "username", "token_env", "token_file", "token_cmd", "ca_bundle"]
_TOKEN_HELP = {
    "cloud": "Create an API token at https://id.atlassian.com/manage-profile/security/api-tokens",
    "datacenter": "Create a personal access token in Jira: your profile > Personal Access Tokens",
}


class MissingAnswer(Exception):
    """A question without an answer: no flag in --non-interactive mode, or standard input closed."""

    def __init__(self, flag: str, *, closed: bool = False) -> None:
        super().__init__(flag)
        self.flag = flag
        self.closed = closed


class InitError(Exception):
    """A wrong answer that a flag gave (exit status 2)."""


class Prompter:
    """Questions on the terminal; with `interactive` False, every unanswered question is an error."""

    def __init__(self, interactive: bool, out: TextIO) -> None:
        self.interactive = interactive
        self.out = out
        fancy = can_encode(out, "✓✗")
        self.ok, self.bad = ("✓", "✗") if fancy else ("ok", "XX")

    def say(self, text: str) -> None:
        write_text(self.out, text + "\n")

    def _input(self, prompt: str, flag: str) -> str:
        try:
            return input(prompt).strip()
        except EOFError:
            raise MissingAnswer(flag, closed=True) from None

    def ask(
        self,
        question: str,
        *,
        flag: str,
        default: str | None = None,
        check: Callable[[str], str | None] | None = None,
    ) -> str:
        """An answer (or `default` on Enter); `check` returns a problem to ask again about."""
        if not self.interactive:
            if default is not None:
                return default
            raise MissingAnswer(flag)
        while True:
            shown = f"{question} [{default}]: " if default else f"{question}: "
            answer = self._input(shown, flag) or (default or "")
            if not answer and default is None:
                self.say("  An answer is needed here.")
                continue
            problem = check(answer) if check is not None and answer else None
            if problem is None:
                return answer
            self.say(f"  {problem}")

    def choose(self, question: str, options: Sequence[tuple[str, str]], *, flag: str, default: str) -> str:
        if not self.interactive:
            raise MissingAnswer(flag)
        self.say(question)
        for i, (_, label) in enumerate(options, 1):
            self.say(f"  {i}) {label}")
        keys = [key for key, _ in options]
        number = str(keys.index(default) + 1)
        while True:
            answer = self._input(f"Choose 1-{len(options)} [{number}]: ", flag) or number
            if answer.isdigit() and 1 <= int(answer) <= len(options):
                return keys[int(answer) - 1]
            if answer in keys:
                return answer
            self.say(f"  Please answer with a number from 1 to {len(options)}.")

    def confirm(self, question: str, *, flag: str, default: bool = False) -> bool:
        if not self.interactive:
            raise MissingAnswer(flag)
        while True:
            answer = self._input(f"{question} [{'Y/n' if default else 'y/N'}]: ", flag).lower()
            if not answer:
                return default
            if answer in ("y", "yes", "j", "ja"):
                return True
            if answer in ("n", "no", "nein"):
                return False

    def secret(self, question: str, *, flag: str) -> str:
        if not self.interactive:
            raise MissingAnswer(flag)
        while True:
            try:
                value = getpass.getpass(question).strip()
            except EOFError:
                raise MissingAnswer(flag, closed=True) from None
            if value:
                return value
            self.say("  The token is empty; paste it again (input stays hidden).")


# Answers -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenChoice:
    kind: str  # "env" | "file" | "cmd" | "paste"
    value: str  # variable name, file path or command; for "paste", the path of the file to write
    pasted: Secret | None = None


def normalise_url(text: str) -> str:
    text = text.strip()
    if "://" not in text:
        text = "https://" + text
    return text.rstrip("/")


def url_problem(url: str) -> str | None:
    """What the config loader would say about `url`, without the file name."""
    from oncall_tui.config_validate import config_from_data

    data = {"jira": {"url": url, "deployment": "datacenter"}, "queues": [{"name": "q", "jql": "q"}]}
    try:
        config_from_data(data, Path("config.toml"), None, os.environ)
    except ConfigError as exc:
        messages = [p.message for p in exc.problems if p.key == "jira.url"]
        return messages[0] if messages else None
    return None


def project_scope(projects: Sequence[str] = ()) -> str:
    """JQL limiting a query to `projects` ("" for all)."""
    if len(projects) == 1:
        return f"project = {projects[0]}"
    if projects:
        return f"project IN ({', '.join(projects)})"
    return ""


def default_queues(projects: Sequence[str] = ()) -> list[dict[str, str]]:
    """Mine and Unassigned, open only, most urgent first; limited to `projects` when given."""
    scope = project_scope(projects)
    scope = f"{scope} AND " if scope else ""
    return [
        {"name": "Mine", "jql": f"{scope}assignee = currentUser() AND {_OPEN}"},
        {"name": "Unassigned", "jql": f"{scope}assignee IS EMPTY AND {_OPEN}"},
    ]


# How many open issues init reads to learn the SLA goals per priority: enough to meet every priority on a
# busy site, one or two search pages.
GOAL_SAMPLE = 200


async def at_risk_queue(client: Any, projects: Sequence[str], thresholds: Any) -> dict[str, str] | None:
    """The "At risk" queue for this site, or None when it has no SLA fields (plain Jira, no JSM).

    JQL cannot ask for "20 % of the goal", so the goals come from a sample of open issues' SLA fields; a
    priority the sample does not show gets the minutes threshold only."""
    from oncall_tui.queries import at_risk_jql, learn_goals

    sla_fields = await client.sla_fields()
    if not sla_fields:
        return None
    scope = project_scope(projects)
    sample_jql = f"{scope} AND statusCategory != Done" if scope else "statusCategory != Done"
    sample = await client.search(
        f"{sample_jql} ORDER BY created DESC", fields=["priority"], page_size=100, limit=GOAL_SAMPLE
    )
    jql = at_risk_jql(learn_goals(sample, sla_fields), thresholds, scope=scope, order_by="priority DESC, created ASC")
    return {"name": "At risk", "jql": jql} if jql else None


def _project_keys(text: str) -> tuple[list[str], str | None]:
    keys = [k.strip().upper() for k in text.replace(" ", ",").split(",") if k.strip()]
    bad = [k for k in keys if not _PROJECT_KEY.fullmatch(k)]
    if bad:
        return [], f"expected project keys such as OPS or OPS,SD; {', '.join(bad)} is not one"
    return keys, None


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


# The command ---------------------------------------------------------------------------------------------


class _Init:
    def __init__(self, args: argparse.Namespace, prompter: Prompter, path: Path, client_kwargs: dict[str, Any]):
        self.args = args
        self.ask = prompter
        self.path = path
        self.client_kwargs = client_kwargs
        # The projects of the queues init chose itself (then it adds "At risk" too); None: the user gave queues.
        self.projects: list[str] | None = None

    def run(self) -> int:
        args, ask = self.args, self.ask
        if self.path.exists() and not args.force:
            if not ask.interactive:
                ask.say(f"{PROG} init: {self.path} exists; pass --force to overwrite it. Nothing was written.")
                return EXIT_FAILURE
            if not ask.confirm(f"{self.path} exists. Overwrite it?", flag="--force"):
                ask.say(f"Left {self.path} unchanged.")
                return EXIT_FAILURE
        if ask.interactive:
            ask.say(f"Setting up {PROG}; the config goes to {self.path}. Ctrl-C stops without writing anything.")

        url = self._url()
        ca_bundle = self._ca_bundle(args.ca_bundle)
        info, ca_bundle, url = self._detect(url, ca_bundle)
        deployment = self._deployment(url, info)
        jira: dict[str, Any] = {"url": url, "deployment": deployment}
        if deployment == "cloud":
            jira["email"] = self._email()
        else:
            username = args.username or (
                ask.ask("Jira username (Enter: as Jira reports it)", flag="--username", default="")
                if ask.interactive
                else ""
            )
            if username:
                jira["username"] = username
        choice = self._token_choice(deployment)
        if choice.kind == "paste":
            jira["token_file"] = choice.value
        else:
            jira[f"token_{choice.kind}"] = choice.value
        if ca_bundle is not None:
            jira["ca_bundle"] = ca_bundle
        data: dict[str, Any] = {"jira": jira, "queues": self._queues()}

        config = self._validate(data)
        token = choice.pasted or Secret(resolve_token(config.jira))
        me, extra = asyncio.run(self._try(config, token))
        data["queues"] += extra
        if deployment == "datacenter" and "username" not in jira and me.username:
            jira["username"] = me.username
        # Keys in the order a person reads them: where, who, how, which CA.
        data["jira"] = {k: jira[k] for k in sorted(jira, key=_JIRA_ORDER.index)}
        return self._write(data, choice)

    # Questions -------------------------------------------------------------------------------------------

    def _url(self) -> str:
        if self.args.url:
            url = normalise_url(self.args.url)
            problem = url_problem(url)
            if problem:
                raise InitError(f"--url: {problem}")
            return url
        answer = self.ask.ask(
            "Jira URL (e.g. https://yourcompany.atlassian.net)",
            flag="--url",
            check=lambda text: url_problem(normalise_url(text)),
        )
        return normalise_url(answer)

    def _ca_bundle(self, value: str | None) -> str | None:
        if value is None or value == "system":
            return value
        path = Path(value).expanduser().absolute()
        if not path.is_file():
            raise InitError(f'--ca-bundle: expected a PEM file or "system", but {path} is not a file')
        return str(path)

    def _detect(self, url: str, ca_bundle: str | None) -> tuple[Any, str | None, str]:
        """serverInfo without credentials; returns it with the CA bundle and URL that worked. On a TLS failure,
        interactively ask for the company CA; against a server that speaks plain HTTP (a URL typed without its
        scheme gets https://), offer its http:// URL instead: a CA would not help there."""
        from oncall_tui.jira.errors import PlainHttpServer, TlsError

        while True:
            try:
                return asyncio.run(self._server_info(url, ca_bundle)), ca_bundle, url
            except PlainHttpServer as exc:
                plain = exc.hint_params.get("http_url")
                if not self.ask.interactive or not isinstance(plain, str):
                    raise
                self.ask.say(f"{self.ask.bad} {exc.message}")
                if not self.ask.confirm(f"Use {plain} (plain HTTP: only for a local or test server)?", flag="--url"):
                    raise
                url = plain
            except TlsError as exc:
                if not self.ask.interactive:
                    raise
                self.ask.say(f"{self.ask.bad} {exc.message}")
                answer = self.ask.ask(
                    "Path of your company's CA certificate (PEM), or Enter to stop", flag="--ca-bundle", default=""
                )
                if not answer:
                    raise
                try:
                    ca_bundle = self._ca_bundle(answer)
                except InitError as problem:
                    self.ask.say(f"  {problem}")

    async def _server_info(self, url: str, ca_bundle: str | None) -> Any:
        from oncall_tui.jira.client import JiraClient
        from oncall_tui.jira.transport import RetryPolicy

        jira = JiraConfig(url=url, deployment="auto", ca_bundle=_ca_value(ca_bundle))
        # No credentials yet: deployment "auto" makes the client ask anonymously. One attempt: someone is
        # waiting at the prompt, and a mistyped URL does not get better with retries.
        kwargs: dict[str, Any] = {"retry": RetryPolicy(attempts=1), **self.client_kwargs}
        async with JiraClient(jira, Secret(""), **kwargs) as client:
            return await client.server_info()

    def _deployment(self, url: str, info: Any) -> str:
        from oncall_tui.jira.parse import Deployment

        detected = None
        if info.deployment is Deployment.CLOUD:
            detected = "cloud"
        elif info.deployment in (Deployment.SERVER, Deployment.DATACENTER):
            detected = "datacenter"
        wanted = self.args.deployment
        name = {"cloud": "Jira Cloud", "datacenter": "Jira Data Center"}
        version = f" {sanitize_line(info.version)}" if info.version else ""
        if wanted != "auto":
            if detected is not None and detected != wanted:
                self.ask.say(
                    f"! The server looks like {name[detected]}, but --deployment says {wanted}; using {wanted}."
                )
            return str(wanted)
        if detected is not None:
            self.ask.say(f"{self.ask.ok} {name[detected]}{version} answers at {url}")
            return detected
        host = (urlsplit(url).hostname or "").lower()
        guess = "cloud" if host.endswith((".atlassian.net", ".jira.com")) else "datacenter"
        if not self.ask.interactive:
            raise MissingAnswer("--deployment")
        return self.ask.choose(
            f"Jira at {url} did not say which kind it is.",
            [("cloud", "Jira Cloud (e-mail + API token)"), ("datacenter", "Jira Data Center / Server (PAT)")],
            flag="--deployment",
            default=guess,
        )

    def _email(self) -> str:
        if self.args.email:
            if "@" not in self.args.email:
                raise InitError(f"--email: expected an e-mail address, got {_quoted(self.args.email)}")
            return str(self.args.email)
        return self.ask.ask(
            "Your Atlassian account e-mail",
            flag="--email",
            check=lambda text: None if "@" in text else "Expected an e-mail address.",
        )

    def _token_choice(self, deployment: str) -> TokenChoice:
        args, ask = self.args, self.ask
        given = [
            (kind, value)
            for kind, value in (("env", args.token_env), ("file", args.token_file), ("cmd", args.token_cmd))
            if value
        ]
        if len(given) > 1:
            raise InitError("use only one of --token-env, --token-file and --token-cmd")
        if given:
            kind, value = given[0]
            if kind == "file":
                value = str(Path(value).expanduser().absolute())
            return TokenChoice(kind, value)
        if not ask.interactive:
            raise MissingAnswer("--token-env, --token-file or --token-cmd")
        token_path = self.path.with_suffix(".token")
        env_set = bool(os.environ.get(DEFAULT_TOKEN_ENV))
        ask.say(_TOKEN_HELP[deployment] + ".")
        kind = ask.choose(
            "Where should the API token come from?",
            [
                ("env", f"an environment variable ({DEFAULT_TOKEN_ENV}{' is set now' if env_set else ''})"),
                ("file", "a file that only you can read (mode 0600)"),
                ("cmd", "a command that prints it (e.g. pass show jira)"),
                ("paste", f"paste it now; it is stored in {token_path} (mode 0600)"),
            ],
            flag="--token-env",
            default="env" if env_set else "paste",
        )
        if kind == "env":
            name = ask.ask(
                "Environment variable",
                flag="--token-env",
                default=DEFAULT_TOKEN_ENV,
                check=lambda t: None if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", t) else "Expected a variable name.",
            )
            return TokenChoice("env", name)
        if kind == "file":
            path = ask.ask("Token file", flag="--token-file")
            return TokenChoice("file", str(Path(path).expanduser().absolute()))
        if kind == "cmd":
            return TokenChoice("cmd", ask.ask("Command", flag="--token-cmd"))
        token = ask.secret("API token (input stays hidden): ", flag="--token-file")
        return TokenChoice("paste", str(token_path.absolute()), pasted=Secret(token))

    def _queues(self) -> list[dict[str, str]]:
        args = self.args
        if args.queue_jql:
            names = list(args.queue_name or [])
            if len(names) > len(args.queue_jql):
                raise InitError("more --queue-name than --queue-jql; give one name per query")
            names += [f"Queue {i}" for i in range(len(names) + 1, len(args.queue_jql) + 1)]
            if len(set(names)) != len(names):
                raise InitError("--queue-name: every queue needs a different name")
            return [{"name": n, "jql": j.strip()} for n, j in zip(names, args.queue_jql, strict=True)]
        if args.queue_name:
            raise InitError("--queue-name needs a matching --queue-jql")
        if args.project is not None:
            keys, problem = _project_keys(args.project)
            if problem:
                raise InitError(f"--project: {problem}")
        elif self.ask.interactive:
            answer = self.ask.ask(
                "Project keys for the queues, comma-separated (Enter: all projects)",
                flag="--project",
                default="",
                check=lambda text: _project_keys(text)[1],
            )
            keys = _project_keys(answer)[0]
        else:
            keys = []
        self.projects = keys
        return default_queues(keys)

    # Proof -----------------------------------------------------------------------------------------------

    def _validate(self, data: dict[str, Any]) -> Config:
        from oncall_tui.config_validate import config_from_data

        return config_from_data(data, self.path, None, os.environ)

    async def _try(self, config: Config, token: Secret) -> tuple[Any, list[dict[str, str]]]:
        """Log in and run every queue once; returns who logged in and the queues init adds from what it saw."""
        from oncall_tui.domain.sla import AtRiskThresholds
        from oncall_tui.jira.client import JiraClient
        from oncall_tui.jira.errors import AUTH_MODE_LABELS, InvalidJql

        async with JiraClient(config.jira, token, **self.client_kwargs) as client:
            me = await client.myself()
            mode = AUTH_MODE_LABELS.get(client.auth_mode, client.auth_mode)
            self.ask.say(f"{self.ask.ok} Jira accepts the token: logged in as {sanitize_line(me.display_name)}; {mode}")
            extra: list[dict[str, str]] = []
            if self.projects is not None:
                thresholds = AtRiskThresholds(config.sla.at_risk_minutes, config.sla.at_risk_fraction)
                found = await at_risk_queue(client, self.projects, thresholds)
                extra = [found] if found else []
            queues = [*config.queues, *(QueueConfig(q["name"], q["jql"]) for q in extra)]
            for i, queue in enumerate(queues):
                try:
                    hits = await client.search(queue.jql, fields=["summary"], page_size=1, limit=1)
                except InvalidJql as exc:
                    raise ConfigError(self.path, f"queues[{i}].jql ({_quoted(queue.name)}): {exc.message}") from None
                what = "has open issues" if hits else "no issues right now"
                self.ask.say(f"{self.ask.ok} Queue {_quoted(queue.name)}: JQL valid ({what})")
        return me, extra

    # Writing ---------------------------------------------------------------------------------------------

    def _write(self, data: dict[str, Any], choice: TokenChoice) -> int:
        token_path = Path(choice.value) if choice.pasted is not None else None
        if token_path is not None and choice.pasted is not None:
            _write_private(token_path, choice.pasted.reveal() + "\n")
        try:
            written = save_config(self.path, data)
        except ConfigError:
            if token_path is not None:
                with contextlib.suppress(OSError):
                    token_path.unlink()
            raise
        if token_path is not None:
            self.ask.say(f"Wrote the token to {token_path} (mode 0600).")
        self.ask.say(f"Wrote {written} (mode 0600):\n")
        self.ask.say("    " + tomli_w.dumps(data).rstrip("\n").replace("\n", "\n    ") + "\n")
        self.ask.say(f"Next: `{PROG} doctor` checks everything; `{PROG}` opens the queues.")
        return EXIT_OK


def _ca_value(ca_bundle: str | None) -> Any:
    return "system" if ca_bundle is None or ca_bundle == "system" else Path(ca_bundle)


def _write_private(path: Path, text: str) -> None:
    """Create or replace `path` atomically with mode 0600 from the first byte; the directory 0700."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, flags, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def run_init(args: argparse.Namespace, **client_kwargs: Any) -> int:
    from oncall_tui.jira.errors import JiraError

    prompter = Prompter(not args.non_interactive, sys.stdout)
    path = find_config_path(args.config)

    def fail(message: str, hint: str | None = None) -> None:
        text = f"{PROG} init: {message}\n" + (f"  fix: {hint}\n" if hint else "")
        write_text(sys.stderr, text)

    try:
        return _Init(args, prompter, path, client_kwargs).run()
    except MissingAnswer as exc:
        if exc.closed:
            fail(f"no answer for {exc.flag} (standard input closed); use --non-interactive with flags")
        else:
            fail(f"missing {exc.flag} (needed with --non-interactive). Nothing was written.")
        return EXIT_USAGE
    except InitError as exc:
        fail(f"{str(exc).rstrip('.')}. Nothing was written.")
        return EXIT_USAGE
    except ConfigError as exc:
        fail(f"{exc}\nNothing was written.")
        return EXIT_CONFIG
    except JiraError as exc:
        fail(f"{exc.message} Nothing was written.", exc.hint)
        return EXIT_JIRA
