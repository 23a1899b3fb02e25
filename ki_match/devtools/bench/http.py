"""The load mode: concurrent logged-in clients driving a running server over loopback.

Each client is a thread with one keep-alive connection (``http.client``)
and its own cookies, logged in through the real login form with its CSRF
token. Cookies are kept by hand, so a production server's ``Secure`` session
cookie still comes back over plain HTTP on loopback.

The login form is rate-limited per address. The bench stands where the
reverse proxy of a production set-up stands and says so: every client sends
its own ``X-Forwarded-For`` address, which the app trusts for one proxy hop
(``PROXY_FIX_X_FOR=1``, the production default).
"""

from __future__ import annotations

import http.client
import random
import re
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

from ki_match.devtools.bench.dataset import Dataset
from ki_match.devtools.bench.harness import COORDINATOR, HELPER, Page, percentile

CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
TIMEOUT = 60


class LoginFailed(RuntimeError):
    pass


class Client:
    """One browser: a connection, its cookies, its own address behind the 'proxy'."""

    def __init__(self, base_url: str, address: str) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.prefix = parts.path.rstrip("/")
        self.address = address
        self.cookies: dict[str, str] = {}
        self.connection = http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT)

    def request(self, method: str, path: str, body: str | None = None, headers: dict | None = None):
        sent = {"X-Forwarded-For": self.address, **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        if body is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):
            try:
                self.connection.request(method, self.prefix + path, body=body, headers=sent)
                response = self.connection.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closed a kept-alive connection between two requests; once more on a new one.
                self.connection.close()
                if attempt == 2:
                    raise
        for header in response.headers.get_all("Set-Cookie") or ():
            for name, morsel in SimpleCookie(header).items():
                if morsel.value == "" or morsel["max-age"] == "0" or "1970" in morsel["expires"]:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response.status, data

    def login(self, email: str, password: str) -> None:
        status, page = self.request("GET", "/login")
        token = CSRF_FIELD.search(page.decode())
        if status != 200 or token is None:
            raise LoginFailed(f"GET /login answered {status}")
        form = urlencode({"csrf_token": token.group(1), "email": email, "password": password})
        status, _ = self.request("POST", "/login", body=form)
        if status not in (302, 303):
            raise LoginFailed(f"login as {email} answered {status}")

    def close(self) -> None:
        self.connection.close()


@dataclass
class Tally:
    timings: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    examples: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, page: str, elapsed_ms: float, problem: str | None) -> None:
        with self.lock:
            self.timings[page].append(elapsed_ms)
            if problem:
                self.errors[page] += 1
                if len(self.examples) < 5:
                    self.examples.append(f"{page}: {problem}")


def _worker(
    client: Client, own: list[Page], start: threading.Barrier, stop_at: list[float], tally: Tally, seed: int
):
    rng = random.Random(seed)
    start.wait()
    turn = rng.randrange(len(own))
    while time.perf_counter() < stop_at[0]:
        page = own[turn % len(own)]
        turn += 1
        url = page.url(rng.randrange(1_000_000))
        started = time.perf_counter()
        problem = None
        try:
            status, _ = client.request("GET", url, headers=page.headers)
            if status != 200:
                problem = f"GET {url} answered {status}"
        except (OSError, http.client.HTTPException) as error:
            problem = f"GET {url}: {error!r}"
            client.connection.close()
        tally.record(page.name, (time.perf_counter() - started) * 1000, problem)


def run(
    base_url: str,
    data: Dataset,
    found: list[Page],
    *,
    concurrency: int,
    duration: float,
    seed: int,
    echo,
) -> dict:
    """Drive the server at ``base_url`` and return throughput, latencies and errors."""
    echo(f"Logging in {concurrency} clients at {base_url} …")
    clients = _log_in(base_url, data, found, concurrency)
    tally = Tally()
    start = threading.Barrier(concurrency + 1)
    stop_at = [float("inf")]
    threads = [
        threading.Thread(
            target=_worker, args=(client, own, start, stop_at, tally, seed + number), daemon=True
        )
        for number, (client, own) in enumerate(clients)
    ]
    for thread in threads:
        thread.start()
    echo(f"Running for {duration:g} s …")
    began = time.perf_counter()
    stop_at[0] = began + duration
    start.wait()
    for thread in threads:
        thread.join(duration + TIMEOUT + 5)
    elapsed = time.perf_counter() - began
    for client, _ in clients:
        client.close()
    return _report(tally, base_url, concurrency, elapsed, echo)


def _log_in(
    base_url: str, data: Dataset, found: list[Page], concurrency: int
) -> list[tuple[Client, list[Page]]]:
    """The clients, logged in, each with the pages its role visits: a coordinator's, or now and
    then a helper's (one in as many as there are pages: the inbox is one page of them)."""
    by_role = defaultdict(list)
    for page in found:
        by_role[page.role].append(page)
    clients = []
    for number in range(concurrency):
        helper = bool(by_role[HELPER]) and number % len(found) == 1 % len(found) and concurrency > 1
        role = HELPER if helper else COORDINATOR
        accounts = data.inbox_helpers if helper else data.coordinators
        client = Client(base_url, f"10.77.{number // 250}.{number % 250 + 1}")
        client.login(accounts[number % len(accounts)], data.password)
        clients.append((client, by_role[role]))
    return clients


def _report(tally: Tally, base_url: str, concurrency: int, elapsed: float, echo) -> dict:
    """The run's figures, overall and per page, printed and returned."""
    every = [ms for timings in tally.timings.values() for ms in timings]
    if not every:
        raise RuntimeError("no request completed")
    result = {
        "url": base_url,
        "concurrency": concurrency,
        "duration_s": round(elapsed, 1),
        "requests": len(every),
        "throughput_rps": round(len(every) / elapsed, 1),
        "latency_ms": _latencies(every),
        "errors": sum(tally.errors.values()),
        "pages": {
            name: {**_latencies(timings), "requests": len(timings), "errors": tally.errors.get(name, 0)}
            for name, timings in tally.timings.items()
        },
    }
    echo(
        f"  {result['requests']} requests in {result['duration_s']} s: {result['throughput_rps']} per second, "
        f"{result['errors']} errors"
    )
    echo(_line("all pages", result["latency_ms"]))
    for name, figures in result["pages"].items():
        echo(_line(name, figures) + f"  ({figures['requests']} requests, {figures['errors']} errors)")
    for example in tally.examples:
        echo(f"  error: {example}")
    return result


def _latencies(values: list[float]) -> dict[str, float]:
    return {f"p{int(share * 100)}": round(percentile(values, share), 1) for share in (0.50, 0.95, 0.99)}


def _line(name: str, figures: dict) -> str:
    return f"  {name:22} p50 {figures['p50']:8.1f}  p95 {figures['p95']:8.1f}  p99 {figures['p99']:8.1f}"
