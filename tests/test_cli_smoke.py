import subprocess
import sys

from typer.testing import CliRunner

from intacct_reconcile import __version__
from intacct_reconcile.cli import app


def test_version_through_typer_runner():
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"intacct-reconcile {__version__}"


def test_module_entry_point_runs_in_a_subprocess():
    proc = subprocess.run(
        [sys.executable, "-m", "intacct_reconcile", "--help"], capture_output=True, text=True
    )
    assert proc.returncode == 0
    assert "plan" in proc.stdout or "validate" in proc.stdout
