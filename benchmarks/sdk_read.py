"""The typical SDK way to read a company, run with the benchmark venv's Python.

fylein's `sageintacctsdk` (pinned in benchmarks/requirements.txt): for each object,
`ApiBase.get_all` — a count, then one `query` per request, sequential, pagesize 2000 — with the
fields given, its URL pointed at the served sandbox. Prints one JSON line of figures.

usage: sdk_read.py URL READS_JSON   (READS_JSON: [[object, [field, ...]], ...])
"""

from __future__ import annotations

import json
import resource
import sys
import time

started = time.perf_counter()

from sageintacctsdk.apis.api_base import ApiBase  # noqa: E402

# the sandbox's default credentials (DESIGN §8), as a real client would be configured
SENDER, SENDER_PASSWORD = "intacct_reconcile", "sandbox"
USER, COMPANY, PASSWORD = "admin", "DEMO", "sandbox"


def main(url: str, reads: list[tuple[str, list[str]]]) -> None:
    def api(obj: str | None) -> ApiBase:
        base = ApiBase(dimension=obj, pagesize=2000)
        base.set_sender_id(SENDER)
        base.set_sender_password(SENDER_PASSWORD)
        base.set_show_private(False)  # normally set by SageIntacctSDK.__init__
        base._ApiBase__api_url = f"{url}/ia/xml/xmlgw.phtml"
        return base

    session = api(None).get_session_id(USER, COMPANY, PASSWORD)
    counts = {}
    for obj, fields in reads:
        reader = api(obj)
        reader.set_session_id(session)
        counts[obj] = len(reader.get_all(fields=fields))
    use = resource.getrusage(resource.RUSAGE_SELF)
    with open("/proc/self/status") as status:  # own peak (ru_maxrss carries the parent's)
        hwm = [int(line.split()[1]) for line in status if line.startswith("VmHWM:")]
    print(
        json.dumps(
            {
                "counts": counts,
                "in_process_s": time.perf_counter() - started,
                "cpu_s": use.ru_utime + use.ru_stime,
                "maxrss_kib": hwm[0] if hwm else use.ru_maxrss,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1], json.loads(sys.argv[2]))
