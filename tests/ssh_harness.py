"""A private OpenSSH server on 127.0.0.1 for the end-to-end tests that run `oncall-tui` over real SSH.

`sshd -D -e` on a free port with its own config, a throw-away host key and one authorised key, all in a temp
dir; root may log in by key only (the tests run as root in CI). The server is a child of the test process and
is stopped at the end of the test (fixture finaliser), killed if it does not stop at once; with `-D` it never
forks into the background, so nothing of it outlives the test.

`SshServer.client(...)` builds the `ssh -tt` command line a tmux pane runs. sshd gives the remote command a
clean environment, so everything the app needs (TERM, the locale, HOME and the XDG directories, which move
the outbox, drafts and cache into the test's temp dir) is passed explicitly in the remote command.
"""

from __future__ import annotations

import ctypes
import os
import shlex
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

SSHD = Path("/usr/sbin/sshd")
PR_SET_PDEATHSIG = 1  # linux/prctl.h
INSTALL_HINT = "Install OpenSSH (Debian/Ubuntu: `apt-get install openssh-server openssh-client`); .ci/run does."


def sshd_command() -> Path:
    # sshd refuses to run unless started by its absolute path (it re-executes itself).
    for candidate in (SSHD, Path("/usr/local/sbin/sshd")):
        if candidate.exists():
            return candidate
    pytest.fail(f"sshd is not installed: the SSH end-to-end test runs a real OpenSSH server. {INSTALL_HINT}")


def ssh_command() -> str:
    for name in ("ssh", "ssh-keygen"):
        if shutil.which(name) is None:
            pytest.fail(f"{name} is not installed: the SSH end-to-end test needs the OpenSSH client. {INSTALL_HINT}")
    path = shutil.which("ssh")
    assert path is not None
    return path


def free_port() -> int:
    """A port nobody listens on right now (sshd binds it itself a moment later; it says so if it lost it)."""
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def keygen(path: Path) -> None:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "oncall-tui-e2e", "-f", str(path)],
        check=True,
        capture_output=True,
        timeout=30,
    )


SSHD_CONFIG = """\
# A throw-away sshd for one test: loopback only, key login only, nothing forwarded.
ListenAddress 127.0.0.1
Port {port}
HostKey {host_key}
PidFile {pid_file}
AuthorizedKeysFile {authorized_keys}
StrictModes no
UsePAM no
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
X11Forwarding no
AllowAgentForwarding no
AllowTcpForwarding no
PermitTunnel no
PermitUserEnvironment no
PrintMotd no
PrintLastLog no
LogLevel VERBOSE
"""


@dataclass
class SshServer:
    process: subprocess.Popen[bytes]
    port: int
    client_key: Path
    log: Path

    def client(self, remote: list[str], env: Mapping[str, str]) -> list[str]:
        """`ssh -tt … root@127.0.0.1 'env K=V … remote…'`: the argv a tmux pane runs to start `remote` over SSH.

        The remote command goes through the login shell on the far side, hence one quoted string."""
        remote_command = shlex.join(["env", *(f"{k}={v}" for k, v in env.items()), *remote])
        return [
            ssh_command(),
            "-tt",
            "-p",
            str(self.port),
            "-i",
            str(self.client_key),
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "BatchMode=yes",
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "LogLevel=ERROR",
            "-F",
            os.devnull,  # no user or system ssh_config changes what the test runs
            "root@127.0.0.1",
            remote_command,
        ]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def start_sshd(directory: Path) -> SshServer:
    directory.mkdir(parents=True, exist_ok=True)
    host_key, client_key = directory / "host_ed25519", directory / "client_ed25519"
    keygen(host_key)
    keygen(client_key)
    authorized = directory / "authorized_keys"
    authorized.write_text((directory / "client_ed25519.pub").read_text())
    authorized.chmod(0o600)
    sshd = sshd_command()
    ssh_command()
    log = directory / "sshd.log"
    for _attempt in range(3):  # another process may take the free port before sshd binds it
        port = free_port()
        config = directory / "sshd_config"
        config.write_text(
            SSHD_CONFIG.format(
                port=port, host_key=host_key, pid_file=directory / "sshd.pid", authorized_keys=authorized
            )
        )
        # sshd wants its privilege-separation directory to exist (a package install creates it at boot).
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
        check = subprocess.run([str(sshd), "-t", "-f", str(config)], capture_output=True, text=True, timeout=30)
        if check.returncode != 0:
            raise AssertionError(f"sshd refused its test config: {check.stderr.strip()}")
        with log.open("wb") as out:
            process = subprocess.Popen(
                [str(sshd), "-D", "-e", "-f", str(config)], stdout=out, stderr=out, preexec_fn=_die_with_parent
            )
        server = SshServer(process, port, client_key, log)
        if _wait_listening(server):
            return server
        server.stop()
    raise AssertionError(f"sshd did not start listening on 127.0.0.1:\n{log.read_text(errors='replace')}")


def _die_with_parent() -> None:
    """In the child before exec: the kernel kills sshd if the test process dies without its finaliser running."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _wait_listening(server: SshServer, timeout: float = 10.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if server.process.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", server.port), timeout=1) as sock:
                # The server speaks first: its version string shows this is our sshd, not whoever took the port.
                sock.settimeout(2)
                if sock.recv(64).startswith(b"SSH-2.0-"):
                    return True
        except OSError:
            pass
        time.sleep(0.05)
    return False


@contextmanager
def running_sshd(directory: Path) -> Iterator[SshServer]:
    server = start_sshd(directory)
    try:
        yield server
    finally:
        server.stop()


def app_env(home: Path) -> dict[str, str]:
    """What the app needs on the far side of SSH, which hands the remote command a clean environment."""
    return {
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local/share"),
        "XDG_STATE_HOME": str(home / ".local/state"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "PATH": "/usr/local/bin:/usr/bin:/bin",
    }
