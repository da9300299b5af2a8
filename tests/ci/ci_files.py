"""The shipped CI files (workflow example, action.yml, pre-commit hooks), read as GitHub reads them,
and their shell steps run the way a GitHub runner runs them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

REPO = Path(__file__).resolve().parents[2]
WORKFLOW = REPO / "examples" / "ci" / "intacct-reconcile.yml"
ACTION = REPO / "action.yml"
HOOKS = REPO / ".pre-commit-hooks.yaml"
SCHEMAS = REPO / "tests" / "fixtures" / "schemastore"
# the console script the CI files call, from the environment running the tests
CLI = Path(sys.executable).parent / "intacct-reconcile"
BOOL = "tag:yaml.org,2002:bool"

# a small manifests repository: one API-managed object, one manual step, a sandbox target
CONFIG = """\
default_target: sandbox
targets:
  sandbox: {sandbox: true}
"""
ACCOUNTS = """\
version: 1
gl_accounts:
  "2110": {title: Spend Center GL Account, type: balance_sheet,
           normal_balance: credit, closing_type: non_closing}
"""
SENDERS = """\
version: 1
sender_ids:
  expensify: {description: Expensify}
"""


class GitHubLoader(yaml.SafeLoader):
    """YAML as GitHub reads it: only true/false are booleans, so `on:` stays the key "on"
    (PyYAML's YAML 1.1 rules would turn it into True)."""


GitHubLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != BOOL]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
GitHubLoader.add_implicit_resolver(
    BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def load(path: Path) -> Any:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=GitHubLoader)


def workflow_steps(doc: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """("job/step", step) for every step of a workflow or a composite action."""
    if "jobs" in doc:
        return [
            (f"{job}/{step.get('id') or step.get('name') or i}", step)
            for job, spec in doc["jobs"].items()
            for i, step in enumerate(spec.get("steps", []))
        ]
    return [
        (f"action/{step.get('id') or step.get('name') or i}", step)
        for i, step in enumerate(doc["runs"]["steps"])
    ]


def step(doc: dict[str, Any], job: str | None, step_id: str) -> dict[str, Any]:
    """The step with id `step_id` of `job` (None: of a composite action)."""
    steps = doc["jobs"][job]["steps"] if job else doc["runs"]["steps"]
    return next(s for s in steps if s.get("id") == step_id)


def step_named(doc: dict[str, Any], job: str | None, start: str) -> dict[str, Any]:
    """The step whose name starts with `start`, or which uses the action `start`."""
    steps = doc["jobs"][job]["steps"] if job else doc["runs"]["steps"]
    return next(
        s
        for s in steps
        if s.get("name", "").startswith(start) or s.get("uses", "").startswith(start)
    )


# --- the CLI as the files call it ---------------------------------------------------------------

_COMMAND = re.compile(r'^(?:"\$venv/bin/)?intacct-reconcile"?\s+(--version|[a-z][a-z-]*)(.*)$')
_END_OF_COMMAND = re.compile(r"\s(?:\d?>|\|\|?|&&|;)")
_FLAG = re.compile(r"(?<![\w-])--[a-z][a-z-]*")


@dataclass(frozen=True)
class Invocation:
    where: str
    verb: str
    flags: tuple[str, ...]
    text: str


def invocations(where: str, script: str) -> list[Invocation]:
    """Every `intacct-reconcile VERB --flag ...` command line of a shell script."""
    found = []
    for line in script.replace("\\\n", " ").splitlines():
        match = _COMMAND.match(line.strip())
        if match:
            verb, rest = match.groups()
            command = _END_OF_COMMAND.split(rest)[0]
            found.append(Invocation(where, verb, tuple(_FLAG.findall(command)), line.strip()))
    return found


def all_invocations(doc: dict[str, Any]) -> list[Invocation]:
    return [
        call
        for where, s in workflow_steps(doc)
        if "run" in s
        for call in invocations(where, s["run"])
    ]


def help_text(*args: str) -> str:
    """`intacct-reconcile ARGS --help` of the real CLI, wide enough that nothing wraps."""
    env = {**os.environ, "COLUMNS": "400", "TERM": "dumb", "NO_COLOR": "1"}
    result = subprocess.run(
        [str(CLI), *args, "--help"], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@cache
def cli_flags(verb: str) -> frozenset[str]:
    """The flags the real CLI accepts for VERB (from its --help)."""
    if verb == "--version":
        return frozenset()
    return frozenset(_FLAG.findall(help_text(verb)))


# --- running a step's script like a runner ------------------------------------------------------


@dataclass(frozen=True)
class StepRun:
    returncode: int
    stdout: str
    stderr: str
    outputs: dict[str, str]


def run_script(
    script: str, *, cwd: Path, env: dict[str, str], tmp: Path, shell: str = "bash -e {0}"
) -> StepRun:
    """Run a `run:` script as a GitHub runner does: written to a file, run by `shell`, with
    GITHUB_OUTPUT, RUNNER_TEMP and the tools of this environment (the CLI, python) on PATH."""
    script_file = tmp / "step.sh"
    script_file.write_text(script, encoding="utf-8")
    output_file = tmp / "github_output"
    output_file.write_text("", encoding="utf-8")
    base = {k: v for k, v in os.environ.items() if not k.startswith(("INTACCT_", "GITHUB_"))}
    full_env = {
        **base,
        "PATH": f"{CLI.parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "GITHUB_OUTPUT": str(output_file),
        "RUNNER_TEMP": str(tmp),
        **env,
    }
    argv = [part.replace("{0}", str(script_file)) for part in shell.split()]
    result = subprocess.run(
        argv, cwd=cwd, env=full_env, capture_output=True, text=True, timeout=300
    )
    outputs = dict(
        line.split("=", 1) for line in output_file.read_text().splitlines() if "=" in line
    )
    return StepRun(result.returncode, result.stdout, result.stderr, outputs)


# --- fixtures ------------------------------------------------------------------------------------


def repo_with_manifests(tmp_path: Path) -> Path:
    """A checkout of a manifests repository: intacct/ with a sandbox target."""
    checkout = tmp_path / "checkout"
    manifests = checkout / "intacct"
    manifests.mkdir(parents=True)
    (manifests / "intacct-reconcile.yaml").write_text(CONFIG)
    (manifests / "accounts.yaml").write_text(ACCOUNTS)
    (manifests / "access.yaml").write_text(SENDERS)
    return checkout


def schema_errors(doc: Any, schema_file: str) -> list[str]:
    schema = json.loads((SCHEMAS / schema_file).read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema)
    return [f"{list(e.absolute_path)}: {e.message[:200]}" for e in validator.iter_errors(doc)]


# --- running a github-script step -----------------------------------------------------------------

HEAD_SHA = "1" * 40  # the PR's head commit
MERGE_SHA = "2" * 40  # the merge of head and base that a pull_request run checks out

NODE_HARNESS = """
const calls = [];
const existing = JSON.parse(process.env.EXISTING_COMMENTS);
const github = {
  paginate: async (fn, args) => existing,
  rest: { issues: {
    listComments: 'listComments',
    updateComment: async (args) => calls.push(['update', args]),
    createComment: async (args) => calls.push(['create', args]),
  } },
};
const context = {
  repo: { owner: 'acme', repo: 'intacct-config' }, issue: { number: 7 },
  payload: { pull_request: { head: { sha: process.env.HEAD_SHA } } },
  sha: process.env.MERGE_SHA, serverUrl: 'https://github.com', runId: 42,
};
(async () => {
SCRIPT
})().then(() => console.log(JSON.stringify(calls)));
"""


def run_github_script(
    script: str, cwd: Path, env: dict[str, str], existing: list[dict[str, Any]]
) -> list[Any]:
    """Run an actions/github-script body under node, as in a pull_request run, with a stand-in
    GitHub client holding `existing` comments; returns the calls it made ([verb, args])."""
    harness = cwd / "harness.js"
    harness.write_text(NODE_HARNESS.replace("SCRIPT", script))
    full_env = {
        **os.environ,
        **env,
        "EXISTING_COMMENTS": json.dumps(existing),
        "HEAD_SHA": HEAD_SHA,
        "MERGE_SHA": MERGE_SHA,
    }
    node = shutil.which("node")
    assert node, "node runs the github-script step in this test (it is on the runner image)"
    result = subprocess.run(
        [node, str(harness)], cwd=cwd, env=full_env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


BASE_BRANCH = "main"  # github.base_ref of the pull_request runs in these tests
BASE_REF_EXPR = "${{ github.base_ref }}"


def step_env(spec: dict[str, Any]) -> dict[str, str]:
    """A step's own env as a pull_request run against main evaluates it (other expressions,
    such as step outputs, are left to the tests that set them)."""
    values = {k: str(v).replace(BASE_REF_EXPR, BASE_BRANCH) for k, v in spec.get("env", {}).items()}
    return {k: v for k, v in values.items() if "${{" not in v}


def with_base_branch(checkout: Path) -> None:
    """The checkout as actions/checkout with fetch-depth: 0 leaves it for a pull request: a git
    repository where origin/main is the base branch (here: the manifests as they are now)."""
    if (checkout / ".git").exists():
        return
    git = ["git", "-c", "user.email=ci@example.com", "-c", "user.name=ci", "-C", str(checkout)]
    for args in (
        ["init", "-q", "-b", BASE_BRANCH],
        ["add", "-A"],
        ["commit", "-q", "-m", "base"],
        ["update-ref", f"refs/remotes/origin/{BASE_BRANCH}", "HEAD"],
    ):
        subprocess.run([*git, *args], check=True, capture_output=True, timeout=60)
