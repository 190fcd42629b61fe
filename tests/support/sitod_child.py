"""sitod as a child process for the Python tests (what tests/support/sitod_child.hpp
is for the C++ ones): started with a config of the test's own (listen and http on
127.0.0.1:0: sitod picks the ports), its output written to a log file (never to a
pipe that nobody reads once it listens, which would stall sitod when it fills),
awaited until it logs "sitod listening", and stopped with SIGTERM.

    child = SitodChild(sitod_path, config_path, workdir / "sitod.log")
    port, http_port = child.start()
    ...
    child.stop()
"""
import hashlib
import json
import signal
import subprocess
import time
from pathlib import Path
from typing import Any, Optional, Tuple


def sha256(secret: str) -> str:
    """The digest a config lists for a token."""
    return hashlib.sha256(secret.encode()).hexdigest()


def wait_until(check: Any, timeout: float = 20.0, what: str = "condition") -> Any:
    """Polls `check` every 50 ms until it returns something true, and returns that."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = check()
        if got:
            return got
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


class SitodChild:
    def __init__(self, sitod: str, config: Path, log: Path) -> None:
        self.sitod, self.config, self.log_path = sitod, Path(config), Path(log)
        self.proc: Optional[subprocess.Popen] = None
        self.port = self.http_port = 0

    def start(self, timeout: float = 120) -> Tuple[int, int]:
        """Starts sitod and returns (protocol port, HTTP port); a sanitizer
        build loads the morphology slowly, hence the long default."""
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen([self.sitod, "--config", str(self.config)], stdout=log, stderr=log,
                                         stdin=subprocess.DEVNULL)

        def listening() -> Optional[Tuple[int, int]]:
            if self.proc.poll() is not None:
                raise RuntimeError("sitod exited with %s:\n%s" % (self.proc.returncode, self.log()))
            for line in self.log().splitlines():
                if "sitod listening" in line and line.endswith("}"):
                    rec = json.loads(line)
                    return rec["port"], rec["http_port"]
            return None

        self.port, self.http_port = wait_until(listening, timeout, "sitod to listen:\n" + self.log_path.name)
        return self.port, self.http_port

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
