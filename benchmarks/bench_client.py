"""Full read of four kinds from a served sandbox (50 ms latency): our gateway vs the sdk way.

Seeds 20,000 GL accounts, 2,000 web-services users, 500 roles and 5,000 employees into a
sandbox database file with the sandbox's bulk seed helper, serves it from a separate process
(so that server and client work do not share one interpreter lock, as with a real server),
then reads them all (a) with Gateway.read_many and (b) with
`sageintacctsdk` itself (ApiBase.get_all: a count, then one `query` per request, sequential,
pagesize 2000), pointed at the served sandbox. Each way runs ROUNDS times, alternating, and
the best time of each is compared (every run's time is printed). HTTP requests are counted
from the sandbox's request log. Targets are printed as met / missed, never asserted.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from intacct_reconcile.client.gateway import Gateway, ReadSpec
from intacct_reconcile.credentials import load_credentials
from intacct_reconcile.sandbox.app import make_app
from intacct_reconcile.sandbox.objects import bulk_insert
from intacct_reconcile.settings import Target

LATENCY_MS = 50
SEED = {"GLACCOUNT": 20_000, "USERINFO": 2_000, "ROLES": 500, "EMPLOYEE": 5_000}
FIELDS = {
    "GLACCOUNT": ["RECORDNO", "ACCOUNTNO", "TITLE", "ACCOUNTTYPE", "NORMALBALANCE", "STATUS"],
    "USERINFO": ["RECORDNO", "LOGINID", "DESCRIPTION", "USERTYPE", "STATUS", "LOGINDISABLED"],
    "ROLES": ["RECORDNO", "NAME", "DESCRIPTION"],
    "EMPLOYEE": ["RECORDNO", "EMPLOYEEID", "TITLE", "STATUS", "LOCATIONID"],
}
PAGE = 2000
ROUNDS = 2  # each way runs this many times, alternating; the best time of each is compared


def _records(obj: str, n: int) -> list[dict[str, Any]]:
    if obj == "GLACCOUNT":
        return [{"ACCOUNTNO": f"B{i:06}", "TITLE": f"Bench account {i}"} for i in range(n)]
    if obj == "USERINFO":
        return [
            {
                "LOGINID": f"ws_bench_{i:05}",
                "LOGINDISABLED": "true",
                "CONTACTINFO": {
                    "FIRSTNAME": "Bench",
                    "LASTNAME": f"User {i}",
                    "EMAIL1": f"ws{i}@bench.example",
                },
            }
            for i in range(n)
        ]
    if obj == "ROLES":
        return [{"NAME": f"Bench role {i:04}", "DESCRIPTION": "benchmark"} for i in range(n)]
    return [
        {
            "EMPLOYEEID": f"E{i:05}",
            "TITLE": "Engineer",
            "PERSONALINFO": {"FIRSTNAME": "Bench", "LASTNAME": f"Employee {i}"},
        }
        for i in range(n)
    ]


def _seed(app: Any) -> dict[str, int]:
    for obj, n in SEED.items():
        bulk_insert(app.store, obj, _records(obj, n))
    return {obj: app.store.count(obj) for obj in SEED}


def _log_lines(path: Path) -> int:
    return len(path.read_text().splitlines()) if path.exists() else 0


def _timed(fn: Callable[[], dict[str, int]], log: Path) -> tuple[dict[str, int], float, int]:
    before = _log_lines(log)
    started = time.perf_counter()
    counts = fn()
    seconds = time.perf_counter() - started
    return counts, seconds, _log_lines(log) - before


def _server_seconds(log: Path, first: int, count: int) -> float:
    """Time the sandbox spent answering (latency included) for log lines first..first+count."""
    lines = log.read_text().splitlines()[first : first + count]
    return sum(json.loads(line)["duration_ms"] for line in lines) / 1000


def _ours(url: str) -> dict[str, int]:
    creds, _ = load_credentials(Target("local", endpoint=url, company_id="DEMO"), env={})
    with httpx.Client(base_url=url, timeout=300) as http:
        gw = Gateway(http, creds, concurrency=2)
        out = gw.read_many([ReadSpec(obj, fields) for obj, fields in FIELDS.items()])
        gw.close()
    return {obj: len(rows) for obj, rows in out.items()}


def _sdk_way(url: str) -> dict[str, int]:
    """sageintacctsdk's own get_all, with its hard-coded URL pointed at the sandbox (§6)."""
    from sageintacctsdk.apis.api_base import ApiBase

    creds, _ = load_credentials(Target("local", endpoint=url, company_id="DEMO"), env={})

    def api(obj: str | None) -> ApiBase:
        base = ApiBase(dimension=obj, pagesize=PAGE)
        base.set_sender_id(creds.sender_id)
        base.set_sender_password(creds.sender_password.reveal())
        base.set_show_private(False)  # normally set by SageIntacctSDK.__init__
        base._ApiBase__api_url = f"{url}/ia/xml/xmlgw.phtml"  # type: ignore[attr-defined]
        return base

    session = api(None).get_session_id(
        creds.user_id, creds.company_id, creds.user_password.reveal()
    )
    out = {}
    for obj, fields in FIELDS.items():
        reader = api(obj)
        reader.set_session_id(session)
        out[obj] = len(reader.get_all(fields=fields))
    return out


def _target(name: str, ok: bool) -> str:
    return f"{name}: {'met' if ok else 'missed'}"


SERVER = """
import sys
from intacct_reconcile.sandbox.app import make_app
from intacct_reconcile.sandbox.options import SandboxOptions
from intacct_reconcile.sandbox.serve import serve
db, log, latency = sys.argv[1], sys.argv[2], float(sys.argv[3])
serve(make_app(db, SandboxOptions(latency_ms=latency, concurrency=2, log_path=log)))
"""


@contextmanager
def serve_in_subprocess(db: Path, log: Path) -> Iterator[str]:
    """The sandbox on 127.0.0.1 in its own process; yields the base URL."""
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(db), str(log), str(LATENCY_MS)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        if not line.startswith("listening on "):
            raise RuntimeError(f"sandbox server did not start: {line!r}")
        yield line.removeprefix("listening on ").strip()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "requests.jsonl"
        db = Path(tmp) / "bench.db"
        app = make_app(str(db))
        seeded_at = time.perf_counter()
        totals = _seed(app)
        app.store.close()
        print(
            f"seeded {sum(SEED.values())} records in {time.perf_counter() - seeded_at:.1f} s; "
            f"live totals {json.dumps(totals)}"
        )
        runs: dict[str, list[tuple[float, dict[str, int], int, int]]] = {"ours": [], "sdk": []}
        with serve_in_subprocess(db, log) as url:
            for _ in range(ROUNDS):  # alternating, so neither way always meets a cold server
                for name, way in (("ours", _ours), ("sdk", _sdk_way)):
                    first = _log_lines(log)
                    counts, seconds, sent = _timed(lambda way=way: way(url), log)
                    runs[name].append((seconds, counts, sent, first))
        statuses = [json.loads(line)["status"] for line in log.read_text().splitlines()]
        ours_s, ours, ours_req, ours_first = min(runs["ours"], key=lambda r: r[0])
        sdk_s, sdk, sdk_req, sdk_first = min(runs["sdk"], key=lambda r: r[0])
        ours_busy = _server_seconds(log, ours_first, ours_req)
        sdk_busy = _server_seconds(log, sdk_first, sdk_req)
        complete = all(r[1] == totals for r in runs["ours"] + runs["sdk"])
    every = {name: "/".join(f"{r[0]:.2f}" for r in rs) for name, rs in runs.items()}
    print(f"runs (s): ours {every['ours']}, sdk way {every['sdk']}; best of {ROUNDS} compared")
    records = sum(totals.values())
    lower = sum(math.ceil(n / PAGE) for n in totals.values())
    print(f"{'':22}{'requests':>10}{'seconds':>10}{'records/s':>12}")
    print(f"{'read_many (ours)':22}{ours_req:>10}{ours_s:>10.2f}{records / ours_s:>12.0f}")
    print(f"{'sageintacctsdk way':22}{sdk_req:>10}{sdk_s:>10.2f}{records / sdk_s:>12.0f}")
    print(f"ratio sdk/ours: requests {sdk_req / ours_req:.1f}x, time {sdk_s / ours_s:.1f}x")
    print(
        f"records read: ours {sum(ours.values())}, sdk {sum(sdk.values())}, live {records}; "
        f"complete (every run): {complete}; HTTP 429s: {statuses.count(429)}"
    )
    print(
        f"sandbox time answering: ours {ours_busy:.2f} s (summed over concurrent requests), "
        f"sdk way {sdk_busy:.2f} s; {sdk_busy - sdk_req * LATENCY_MS / 1000:.2f} s of it is "
        "server work that one sandbox process (one interpreter lock) cannot run in parallel"
    )
    print(f"lower bound (sum of ceil(records/{PAGE}) per kind): {lower} requests")
    print(
        _target(
            f"requests <= 1.2 x lower bound ({ours_req} <= {1.2 * lower:.1f})",
            ours_req <= 1.2 * lower,
        )
    )
    print(_target(f">= 3x faster than the sdk way ({sdk_s / ours_s:.1f}x)", sdk_s / ours_s >= 3))


if __name__ == "__main__":
    main()
