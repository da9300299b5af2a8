"""Segregation-of-duties rule packs: YAML files of conflicting duties, checked on load.

    version: 1
    rules:
      vendor_maintain_and_pay:                  # rule id (mitigations name it)
        title: Maintain vendors and pay them
        risk: A fictitious vendor, or changed bank details, then a payment to it.
        applies_to: all_users                   # or web_services_users (LOGINDISABLED)
        duties:                                 # a user holding EVERY duty violates the rule
          maintain vendors:                     # a duty is held through ANY of its grants
            - accounts_payable.vendors: [add, edit, unmask_bank_details]
          pay vendors:
            - accounts_payable.pay_bills: [run]  # a grant is held with ANY of its rights
            - admin: full                        # or through admin privileges

Module, permission and right names are those of the permission catalogue (catalog/): a name
the catalogue does not know is an error at its file:line:col, with the closest name.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from intacct_reconcile import catalog
from intacct_reconcile.errors import ManifestError, Problem, did_you_mean
from intacct_reconcile.manifest.loader import Node, load_file
from intacct_reconcile.types import Span

DEFAULT_PACK = Path(__file__).with_name("default.yaml")
APPLIES_TO = ("all_users", "web_services_users")
ADMIN_LEVELS = ("full",)


@dataclass(frozen=True)
class Grant:
    """Held when the user has any of `rights` on module.permission, or (admin) that level."""

    module: str = ""
    permission: str = ""
    rights: tuple[str, ...] = ()
    admin: str = ""  # "full": held through admin privileges instead of a permission

    def __str__(self) -> str:
        if self.admin:
            return f"admin {self.admin}"
        return f"{self.module}.{self.permission} {'/'.join(self.rights)}"


@dataclass(frozen=True)
class Duty:
    """One duty of a rule: held through any of its grants."""

    name: str
    grants: tuple[Grant, ...]


@dataclass(frozen=True)
class Rule:
    """One SoD rule: a user it applies to who holds every one of its duties violates it."""

    id: str
    title: str
    risk: str
    applies_to: str
    duties: tuple[Duty, ...]
    span: Span | None = None


@dataclass(frozen=True)
class Pack:
    """A loaded SoD rule pack: its name and its rules by id."""

    name: str  # as shown in plans: the file name, or "default"
    rules: Mapping[str, Rule]


def load_pack(path: Path | None = None) -> Pack:
    """The pack at `path` (default: the one shipped with the tool); ManifestError if wrong."""
    file = path or DEFAULT_PACK
    shown = "default" if path is None else str(path)
    if not file.is_file():
        raise ManifestError(
            [Problem(None, f"{file}: SoD rule pack not found", "check `sod: pack:` in the config")]
        )
    # every plan that touches access evaluates the pack: a fleet parsed it once per target
    key = (shown, str(file), hashlib.sha256(file.read_bytes()).hexdigest())
    loaded = _LOADED.get(key)
    if loaded is None:
        loaded = _LOADED[key] = _parse(file, shown)
    return loaded


# packs parsed, by name shown, file and content digest (a changed file is parsed again)
_LOADED: dict[tuple[str, str, str], Pack] = {}


def _parse(file: Path, shown: str) -> Pack:
    documents, problems = load_file(file, str(file))
    if problems:
        raise ManifestError(problems)
    if len(documents) != 1:
        raise ManifestError([Problem(None, f"{file}: a rule pack is one YAML document", "")])
    parser = _Parser()
    rules = parser.pack(documents[0].root)
    if parser.problems:
        raise ManifestError(parser.problems)
    return Pack(shown, rules)


class _Parser:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.catalog = catalog.load()

    def fail(self, span: Span | None, message: str, hint: str = "") -> None:
        self.problems.append(Problem(span, message, hint))

    def pack(self, root: Node) -> dict[str, Rule]:
        if not root.is_map:
            self.fail(root.span, "a rule pack must be a mapping", "start with `version: 1`")
            return {}
        for key, _node, span in root.items():
            if key not in ("version", "rules"):
                self.fail(span, f"unknown key {key!r}{did_you_mean(key, ['version', 'rules'])}")
        version = root.value.get("version")
        if version is None or version.value != 1:
            self.fail(version.span if version else root.span, "the pack needs `version: 1`")
        rules = root.value.get("rules")
        if rules is None or not rules.is_map or not rules.value:
            where = rules.span if rules else root.span
            self.fail(
                where, "`rules:` must map rule ids to rules", "see docs/access-review-and-sod.md"
            )
            return {}
        return {
            key: rule
            for key, node, span in rules.items()
            if (rule := self.rule(key, node, span)) is not None
        }

    def rule(self, rule_id: str, node: Node, span: Span) -> Rule | None:
        known = ("title", "risk", "applies_to", "duties")
        if not node.is_map:
            self.fail(node.span, f"rule {rule_id!r} must be a mapping of {', '.join(known)}")
            return None
        for key, _child, key_span in node.items():
            if key not in known:
                self.fail(
                    key_span, f"rule {rule_id}: unknown key {key!r}{did_you_mean(key, known)}"
                )
        title = self.text(node, "title", rule_id, required=True)
        risk = self.text(node, "risk", rule_id)
        applies = self.text(node, "applies_to", rule_id) or "all_users"
        if applies not in APPLIES_TO:
            self.fail(
                node.value["applies_to"].span,
                f"rule {rule_id}: applies_to {applies!r} is not one of {', '.join(APPLIES_TO)}",
            )
        duties_node = node.value.get("duties")
        if duties_node is None or not duties_node.is_map or not duties_node.value:
            self.fail(
                (duties_node or node).span,
                f"rule {rule_id}: `duties:` must name at least one duty",
                "map each duty name to a list of grants, e.g. `- accounts_payable.bills: [add]`",
            )
            return None
        duties = tuple(
            Duty(name, self.grants(rule_id, name, child)) for name, child, _s in duties_node.items()
        )
        return Rule(rule_id, title, risk, applies, duties, span)

    def text(self, node: Node, key: str, rule_id: str, required: bool = False) -> str:
        child = node.value.get(key)
        if child is None:
            if required:
                self.fail(node.span, f"rule {rule_id}: `{key}:` is required")
            return ""
        if not child.is_scalar or not isinstance(child.value, str):
            self.fail(child.span, f"rule {rule_id}: `{key}:` must be text")
            return ""
        return child.value

    def grants(self, rule_id: str, duty: str, node: Node) -> tuple[Grant, ...]:
        if not node.is_seq or not node.value:
            self.fail(
                node.span,
                f"rule {rule_id}, duty {duty!r}: must be a list of grants",
                "e.g. `- accounts_payable.pay_bills: [run]` or `- admin: full`",
            )
            return ()
        out = []
        for item in node.value:
            grant = self.grant(rule_id, duty, item)
            if grant is not None:
                out.append(grant)
        return tuple(out)

    def grant(self, rule_id: str, duty: str, node: Node) -> Grant | None:
        where = f"rule {rule_id}, duty {duty!r}"
        if not node.is_map or len(node.value) != 1:
            self.fail(node.span, f"{where}: a grant is one `module.permission: [rights]` entry")
            return None
        ((name, value, key_span),) = list(node.items())
        if name == "admin":
            level = str(value.value).lower() if value.is_scalar else ""
            if level not in ADMIN_LEVELS:
                self.fail(value.span, f"{where}: `admin:` takes {', '.join(ADMIN_LEVELS)}")
                return None
            return Grant(admin=level)
        module_id, dot, permission_id = name.partition(".")
        module = self.catalog.modules.get(module_id)
        if not dot or module is None:
            self.fail(
                key_span,
                f"{where}: {name!r} is not module.permission of the permission catalogue"
                + did_you_mean(module_id, self.catalog.modules),
            )
            return None
        permission = module.permissions.get(permission_id)
        if permission is None:
            self.fail(
                key_span,
                f"{where}: module {module_id} has no permission {permission_id!r}"
                + did_you_mean(permission_id, module.permissions),
            )
            return None
        rights = [value] if value.is_scalar else value.value if value.is_seq else []
        if not rights:
            self.fail(value.span, f"{where}: list the rights that grant the duty, e.g. [add, edit]")
            return None
        names = []
        for right in rights:
            text = str(right.value)
            if text not in permission.rights:
                self.fail(
                    right.span,
                    f"{where}: {name} has no right {text!r} (it has: "
                    f"{', '.join(permission.rights)}){did_you_mean(text, permission.rights)}",
                )
                continue
            names.append(text)
        return Grant(module_id, permission_id, tuple(names)) if names else None
