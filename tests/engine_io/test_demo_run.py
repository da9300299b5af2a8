"""`make demo` end to end: the quick start a newcomer runs must keep working."""

import subprocess
import sys


def test_demo_runs_the_blueprint_to_an_empty_plan():
    done = subprocess.run(
        [sys.executable, "-m", "intacct_reconcile.demo"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    # every step ran, in order
    steps = [line for line in out.splitlines() if line.startswith("=== ")]
    assert [s.split(".")[0] for s in steps] == [f"=== {n}" for n in range(1, 10)]
    # the first plan had work, the plan after the manual steps and attestation had none
    assert "(exit 2)" in out.split("=== 3.")[0]
    assert "No changes: live state matches the manifests." in out.split("=== 6.")[1]
    # the drift made by hand shows up as an update and is repaired
    assert "Edited by hand" in out.split("=== 7.")[1]
    # the web services user signs in and reads what Expensify needs
    smoke = out.split("=== 9.")[1]
    assert "Smoke check of target sandbox (company DEMO): passed" in smoke
    assert "✓ read EEACCOUNTLABEL" in smoke
    assert out.rstrip().splitlines()[-1].startswith("demo finished in")
