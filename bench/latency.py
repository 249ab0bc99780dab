"""Round-trip time on loopback, added by Toxiproxy (github.com/Shopify/toxiproxy, built by
``bench/run`` with ``go install`` from the Go module proxy).

Kernel network emulation (``tc netem``) needs privileges these machines do not give; a TCP
proxy does not. Toxiproxy's ``latency`` toxic holds every chunk of data for a fixed time after it
arrived (not after the previous chunk left), which is how propagation delay behaves. Half the
round trip is added on the way to the server and half on the way back, so one request/answer
exchange costs ``rtt`` more.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Self
from urllib.parse import urlsplit, urlunsplit

import httpx

__all__ = ["LatencyProxy", "proxied_url"]

PROXY_NAME = "fhir"
TOXICS = (("latency_upstream", "upstream"), ("latency_downstream", "downstream"))


def proxied_url(base_url: str, listen_port: int) -> str:
    """``base_url`` with its port replaced by the proxy's (host stays 127.0.0.1)."""
    parts = urlsplit(base_url)
    return urlunsplit(parts._replace(netloc=f"127.0.0.1:{listen_port}"))


class LatencyProxy:
    """One toxiproxy-server process with one proxy in front of the FHIR server."""

    def __init__(
        self, binary: Path, upstream: str, *, api_port: int, listen_port: int, log: Path
    ) -> None:
        self.binary = binary
        parts = urlsplit(upstream)
        self.upstream = f"{parts.hostname}:{parts.port or 80}"
        self.api = f"http://127.0.0.1:{api_port}"
        self.api_port = api_port
        self.listen_port = listen_port
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        self.http = httpx.Client(timeout=10)
        self.rtt_ms = 0

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def start(self) -> None:
        with self.log.open("ab") as sink:
            self.process = subprocess.Popen(
                [str(self.binary), "-host", "127.0.0.1", "-port", str(self.api_port)],
                stdout=sink,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 20
        while True:
            try:
                self.http.get(f"{self.api}/version").raise_for_status()
                break
            except httpx.HTTPError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"toxiproxy did not start; see {self.log}") from None
                time.sleep(0.2)
        proxy = {
            "name": PROXY_NAME,
            "listen": f"127.0.0.1:{self.listen_port}",
            "upstream": self.upstream,
            "enabled": True,
        }
        self.http.post(f"{self.api}/proxies", json=proxy).raise_for_status()

    def set_rtt(self, rtt_ms: int) -> None:
        """Replace the latency toxics with ``rtt_ms`` in all (half each way); 0 removes them."""
        for name, _ in TOXICS:
            found = self.http.delete(f"{self.api}/proxies/{PROXY_NAME}/toxics/{name}")
            if found.status_code not in (204, 404):
                found.raise_for_status()
        self.rtt_ms = rtt_ms
        if rtt_ms <= 0:
            return
        half = rtt_ms / 2
        for name, stream in TOXICS:
            toxic = {
                "name": name,
                "type": "latency",
                "stream": stream,
                "toxicity": 1.0,
                "attributes": {"latency": int(half), "jitter": 0},
            }
            self.http.post(f"{self.api}/proxies/{PROXY_NAME}/toxics", json=toxic).raise_for_status()

    def url_for(self, base_url: str) -> str:
        return proxied_url(base_url, self.listen_port)

    def stop(self) -> None:
        self.http.close()
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
