"""export: live state -> manifest YAML, so that the first plan of an adopted company is empty.

    choose kinds (all by default) -> check the --out folder -> read live -> manifest values per
    kind (no defaults, no empty values, secrets as ${env:...}) -> YAML documents -> files

Kinds no API can read (sender IDs, IP filters) are written as commented templates holding the
UI path to copy the values from. With `unmanaged`, only live objects that the manifests at that
path do not declare yet are written, so a company is adopted kind by kind.

All YAML text is produced by `dump_yaml`: libyaml's C emitter where it writes the same bytes
as the Python one, the Python one elsewhere.
"""

from __future__ import annotations

import functools
import gc
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from intacct_reconcile import __version__
from intacct_reconcile.errors import ConfigError
from intacct_reconcile.kinds import REGISTRY
from intacct_reconcile.kinds.base import Field, Kind
from intacct_reconcile.types import Resource, State

if TYPE_CHECKING:
    from intacct_reconcile.terminal import Ui

SCHEMA_FILE_NAME = "manifest.schema.json"
SINGLE_FILE_NAME = "intacct.yaml"


@dataclass(frozen=True)
class KindExport:
    """One kind's part of an export: its manifest section, or a template to fill in."""

    kind: str
    section: Any  # manifest value (mapping, list or singleton mapping); None for a template
    count: int
    comment: str = ""  # YAML comment lines written above the section


def choose_kinds(kinds: Sequence[str]) -> list[str]:
    """The kinds asked for (registry order), or every kind the product manages."""
    unknown = sorted(set(kinds) - set(REGISTRY))
    if unknown:
        raise ConfigError(
            f"unknown --kind {', '.join(unknown)} — known kinds: {', '.join(REGISTRY)}"
        )
    wanted = set(kinds) or set(REGISTRY)
    return [k for k in REGISTRY if k in wanted]


# --- the folder ------------------------------------------------------------------------------


def existing_files(out: Path) -> list[str]:
    """Files in --out that an export could overwrite or duplicate (hidden ones excepted)."""
    if out.exists() and not out.is_dir():
        raise ConfigError(f"{out}: --out is a file, not a directory — name a directory")
    if not out.is_dir():
        return []
    return sorted(p.name for p in out.iterdir() if not p.name.startswith("."))


def check_folder(
    out: Path, *, force: bool, interactive: bool, confirm: Callable[[str], bool]
) -> None:
    """A folder with files is written into only with --force, or when the user says yes at a
    terminal: exported files replace manifests of the same name."""
    entries = existing_files(out)
    if not entries or force:
        return
    shown = ", ".join(entries[:5]) + (", ..." if len(entries) > 5 else "")
    question = f"{out} is not empty ({shown}); overwrite the exported files there?"
    if interactive:
        if confirm(question):
            return
        raise ConfigError("export cancelled: nothing was written")
    raise ConfigError(
        f"{out}: --out is not empty ({shown}) — name a new or empty directory, pass --force "
        "to overwrite the exported files there, or use --unmanaged PATH to write only what "
        "the manifests there do not declare yet"
    )


# --- values ----------------------------------------------------------------------------------


def kind_export(kind_key: str, live: State, declared: State | None = None) -> KindExport:
    """A readable kind's live objects in manifest form; `declared` ones are left out."""
    from intacct_reconcile.live import holds_constants

    kind = REGISTRY[kind_key]
    objects = live.of(kind_key)
    skip = declared.of(kind_key) if declared is not None else {}
    # by key (keys are unique: sorting them alone gives the order sorting the items does)
    resources = [objects[key] for key in sorted(objects) if key not in skip]
    if kind.api_constants:
        # only the kind's own objects: web_services_users exports login-disabled users, not
        # the people who sign in to the UI
        resources = [r for r in resources if holds_constants(kind, r)]
    comment = _outside_comment(resources) + _secret_comment(kind)
    if kind.shape == "list":
        return KindExport(kind_key, [r.key for r in resources], len(resources), comment)
    unknown: list[str] = []
    plan = _export_fields(kind)
    section = {r.key: _manifest_values(kind, plan, r.values, unknown) for r in resources}
    comment += _unknown_comment(kind, resources, unknown)
    if kind.shape == "singleton":
        values = next(iter(section.values()), {})
        if not values:
            return KindExport(kind_key, None, 0, template(kind, "Intacct reported no value"))
        return KindExport(kind_key, values, 1, comment)
    return KindExport(kind_key, section, len(section), comment)


def manifest_values(
    kind: Kind, values: Mapping[str, Any], *, unknown: list[str] | None = None
) -> dict[str, Any]:
    """Normalised live values -> what a person would write: in field order, without values
    equal to the field's default, without empty ones, secrets as environment references.
    An enum value no manifest can declare (a newer Intacct choice) is left out and named in
    `unknown` ("field: value"), so the export still validates."""
    return _manifest_values(kind, _export_fields(kind), values, unknown)


def _manifest_values(
    kind: Kind,
    plan: tuple[tuple[str, Any, Any, str], ...],
    values: Mapping[str, Any],
    unknown: list[str] | None,
) -> dict[str, Any]:
    """manifest_values with the kind's `_export_fields` worked out (once per kind export)."""
    out: dict[str, Any] = {}
    get = values.get
    for name, default, enum, how in plan:
        value = get(name)
        if value is None:
            continue
        if type(value) is str:  # most values: tested here without the general rules below
            if not value or value == default:
                continue
            if enum is not None and value not in enum:
                if unknown is not None:
                    unknown.append(f"{name}: {value!r}")
                continue
            if how is _TEXT:
                out[name] = value.replace("${", "$${") if "${" in value else value
                continue
        elif type(value) is bool and enum is None and how is _TEXT:  # flags: the rules below
            if default is None or value != default:  # in short (never empty, nothing to copy)
                out[name] = value
            continue
        elif _empty(value) or (default is not None and value == default):
            continue
        elif enum is not None and value not in enum:
            if unknown is not None:
                unknown.append(f"{name}: {value!r}")
            continue
        if how is _SECRET:
            out[name] = _env_reference(kind, kind.field(name))
        elif how is _PERMISSIONS:
            out[name] = _plain(permission_shorthand(value))
        else:
            out[name] = _plain(value)
    return out


_TEXT, _SECRET, _PERMISSIONS = "text", "secret", "permissions"
# kind -> (the kind, what manifest_values goes through per field), worked out once per kind
_EXPORT_FIELDS: dict[int, tuple[Kind, tuple[tuple[str, Any, Any, str], ...]]] = {}


def _export_fields(kind: Kind) -> tuple[tuple[str, Any, Any, str], ...]:
    """(name, default, enum or None, how it is written) for each field an export can write:
    computed and write-only fields are never exported."""
    known = _EXPORT_FIELDS.get(id(kind))
    if known is None or known[0] is not kind:
        computed = set(kind.extra.get("computed_fields", ()))
        plan = tuple(
            (
                f.name,
                f.default,
                f.enum if f.type == "enum" and f.enum else None,
                _SECRET if f.secret else _PERMISSIONS if f.type == "permissions" else _TEXT,
            )
            for f in kind.fields
            if f.name not in computed and not f.write_only
        )
        known = _EXPORT_FIELDS[id(kind)] = (kind, plan)
    return known[1]


def permission_shorthand(perms: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """A module holding exactly what `all` or `read_only` grants is written as that word, as
    people write roles; other modules keep their per-permission rights."""
    out: dict[str, Any] = {}
    for module_id, held in perms.items():
        as_held = {p: tuple(sorted(r)) for p, r in held.items()}
        out[module_id] = _module_shortcuts(module_id).get(_frozen(as_held), held)
    return out


def _frozen(perms: Mapping[str, tuple[str, ...]]) -> frozenset[tuple[str, tuple[str, ...]]]:
    return frozenset(perms.items())


@functools.cache
def _module_shortcuts(module_id: str) -> dict[frozenset[Any], str]:
    """What `all` and `read_only` expand to in a module (computed once per module)."""
    from intacct_reconcile import catalog

    cat = catalog.load()
    if module_id not in cat.modules:
        return {}
    shortcuts: dict[frozenset[Any], str] = {}
    for word in ("read_only", "all"):  # a module where both are the same is written `all`
        expansion = catalog.expand(module_id, word, cat)
        if expansion:
            shortcuts[_frozen(expansion)] = word
    return shortcuts


def _unknown_comment(kind: Kind, resources: Sequence[Resource], unknown: list[str]) -> str:
    """Name the live enum values left out, per object, so nobody thinks they were exported."""
    if not unknown:
        return ""
    lines = [
        "# Not exported: values Intacct holds that the manifest format has no name for (they",
        "# are left as they are by apply):",
    ]
    for resource in resources:
        for f in kind.fields:
            value = resource.values.get(f.name)
            if f.type == "enum" and f.enum and value is not None and value not in f.enum:
                lines.append(f"#   {resource.key}: {f.name} = {value!r}")
    return "\n".join(lines) + "\n"


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str | tuple | list | dict) and len(value) == 0)


def _env_reference(kind: Kind, f: Field) -> str:
    return "${env:" + f"INTACCT_{kind.key}_{f.name}".upper() + "}"


def _secret_comment(kind: Kind) -> str:
    secrets = [f for f in kind.fields if f.secret]
    if not secrets:
        return ""
    names = ", ".join(f"{f.name} (${{env:...}})" for f in secrets)
    return (
        f"# Secrets are never exported: {names} read from the environment — set those "
        "variables before `plan`.\n"
    )


def _plain(value: Any) -> Any:
    """Plain YAML types; `${` in live text is written `$${`, a literal, not a variable."""
    if isinstance(value, str):
        return value.replace("${", "$${") if "${" in value else value
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    return value


def _outside_comment(resources: Sequence[Resource]) -> str:
    """YAML comment lines naming what live objects hold that no manifest can declare (e.g. a
    role's permissions outside the catalogue): not exported, left as they are by apply."""
    lines = []
    for resource in resources:
        outside = resource.meta.get("outside_permissions") or ()
        if outside:
            lines.append(f"#   {resource.key}:")
            lines += [f"#     - {item}" for item in outside]
    if not lines:
        return ""
    head = (
        "# Not exported: permissions outside the permission catalogue or rights no API can "
        "grant.\n# They are not managed: plan and apply leave them as they are.\n"
    )
    return head + "\n".join(lines) + "\n"


def template(kind: Kind, why: str = "no Intacct API reads them") -> str:
    """Commented manifest lines for a kind whose live values cannot be exported."""
    placeholder = f"<{kind.identity.name}>"
    steps = [re.sub(r"\{(\w+)\}", r"<\1>", s.replace("{key}", placeholder)) for s in kind.ui_steps]
    lines = [
        f"# {kind.key}: {kind.title} — {why}, so they were not exported.",
        "# Copy them from the Intacct UI, then uncomment and fill in the lines below:",
        *(f"#   {n}. {step}" for n, step in enumerate(steps, 1)),
        "#",
    ]
    fields = [f.name for f in kind.fields if f.default is None][:3]
    if kind.shape == "list":
        lines += [f"# {kind.key}:", f"#   - {placeholder}"]
    elif kind.shape == "singleton":
        lines += [f"# {kind.key}:", *(f"#   {name}: <{name}>" for name in fields)]
    else:
        lines += [f"# {kind.key}:", f"#   {placeholder}:"]
        lines += [f"#     {name}: <{name}>" for name in fields]
    return "\n".join(lines) + "\n"


# --- YAML ------------------------------------------------------------------------------------


class _ManifestDumper(yaml.SafeDumper):
    """Block style with lists indented under their key; short scalar lists inline."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    scalars = all(isinstance(v, str | int | bool) and not isinstance(v, dict) for v in data)
    inline = scalars and sum(len(str(v)) + 2 for v in data) <= 60
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=inline)


def _represent_dict(dumper: yaml.SafeDumper, data: dict[str, Any]) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=not data)


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    # multi-line text as a literal block (`|`), as people write it; the emitter falls back to
    # quoting where a block cannot hold the text exactly
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_ManifestDumper.add_representer(str, _represent_str)
_ManifestDumper.add_representer(list, _represent_list)
_ManifestDumper.add_representer(dict, _represent_dict)


# libyaml's emitter (C), fed events built here: what export writes for large companies. The
# representer and serializer (pure Python, one node per value) were most of an export's time.
# The events are those _ManifestDumper's representer and serializer produce for plain data:
# mappings, inline lists, printable ASCII text, integers, booleans, None. Anything else
# (block lists, which libyaml cannot indent under their key; other characters, which the two
# emitters may escape differently; floats; a dict or list reached twice, which gets an anchor)
# goes through _ManifestDumper, so the bytes are the same either way (tests/export).
_CDumper: Any = getattr(yaml, "CSafeDumper", None)
_STR, _INT = "tag:yaml.org,2002:str", "tag:yaml.org,2002:int"
_BOOL, _NULL = "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null"
_MAP, _SEQ = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"
_RESOLVERS = yaml.resolver.Resolver.yaml_implicit_resolvers


def _plain_tag(text: str) -> str:
    """The tag a plain scalar `text` resolves to, as PyYAML's resolver finds it."""
    for tag, regexp in _RESOLVERS.get(text[0] if text else "", ()):
        if regexp.match(text):
            return str(tag)
    return _STR


# first characters some implicit tag claims (digits, signs, y/n/t/f/o, ~, ...); text starting
# with any other character is plain text without looking further (most names and titles)
_CLAIMED = frozenset(_RESOLVERS)


def _inline(value: list[Any]) -> bool:
    """_represent_list's choice: short lists of scalars are written inline."""
    scalars = all(isinstance(v, str | int | bool) for v in value)
    return scalars and sum(len(str(v)) + 2 for v in value) <= 60


def _c_emittable(value: Any, seen: set[int]) -> bool:
    kind = type(value)
    if kind is str:
        return value.isascii() and value.isprintable()
    if kind is int or kind is bool or value is None:
        return True
    if kind is dict or kind is list:
        if id(value) in seen:
            return False  # the representer would write an anchor and an alias
        seen.add(id(value))
        if kind is dict:
            for key, item in value.items():
                if type(key) is not str or not (key.isascii() and key.isprintable()):
                    return False
                if type(item) is str:
                    if not (item.isascii() and item.isprintable()):
                        return False
                elif not _c_emittable(item, seen):
                    return False
            return True
        return _inline(value) and all(_c_emittable(v, seen) for v in value)
    return False


def _text_event(value: str) -> Any:
    tag = _STR if value[:1] not in _CLAIMED else _plain_tag(value)
    return yaml.ScalarEvent(None, _STR, (tag == _STR, True), value)


def _events(value: Any, out: list[Any]) -> None:
    kind = type(value)
    if kind is str:
        out.append(_text_event(value))
    elif kind is bool:
        out.append(yaml.ScalarEvent(None, _BOOL, (True, False), "true" if value else "false"))
    elif kind is int:
        text = str(value)
        out.append(yaml.ScalarEvent(None, _INT, (_plain_tag(text) == _INT, False), text))
    elif value is None:
        out.append(yaml.ScalarEvent(None, _NULL, (True, False), "null"))
    elif kind is dict:
        out.append(yaml.MappingStartEvent(None, _MAP, True, flow_style=not value))
        for key, item in value.items():
            out.append(_text_event(key))
            if type(item) is str:
                out.append(_text_event(item))
            else:
                _events(item, out)
        out.append(yaml.MappingEndEvent())
    else:
        out.append(yaml.SequenceStartEvent(None, _SEQ, True, flow_style=True))
        for item in value:
            _events(item, out)
        out.append(yaml.SequenceEndEvent())


def _emit_c(document: dict[str, Any]) -> str:
    events: list[Any] = [yaml.StreamStartEvent(), yaml.DocumentStartEvent(explicit=False)]
    _events(document, events)
    events += [yaml.DocumentEndEvent(explicit=False), yaml.StreamEndEvent()]
    return str(yaml.emit(events, Dumper=_CDumper, allow_unicode=True, width=1_000_000))


# The writer of the simple shapes: block mappings of scalars and inline lists, written as
# text, each distinct scalar styled once. A scalar that is not plain, printable ASCII text
# is styled by libyaml itself (a one-entry document, its line cut out), so the bytes are those
# _emit_c writes for the same document (tests/export); anything else (see _c_emittable) makes
# the whole document go through _emit_c or _ManifestDumper.


class _NotSimple(Exception):
    """The document holds a shape the direct writer leaves to the emitters."""


# plain in a block, resolved as text: starts with a letter, `_` or `(`; then letters, digits,
# spaces and punctuation that is no YAML indicator there (no `:`, `#`, quotes at the start)
_PLAIN = re.compile(r"[A-Za-z_(](?:[A-Za-z0-9 _.()/&+,=@'\-]*[A-Za-z0-9_.)])?\Z")
# libyaml writes a longer key as a complex key (`? key`)
_SIMPLE_KEY_MAX = 128


def _c_line(key: Any, value: Any) -> str:
    """`key: value` as libyaml writes that one-entry mapping (no line break)."""
    events: list[Any] = [
        yaml.StreamStartEvent(),
        yaml.DocumentStartEvent(explicit=False),
        yaml.MappingStartEvent(None, _MAP, True, flow_style=False),
    ]
    _events(key, events)
    _events(value, events)
    events += [
        yaml.MappingEndEvent(),
        yaml.DocumentEndEvent(explicit=False),
        yaml.StreamEndEvent(),
    ]
    text = str(yaml.emit(events, Dumper=_CDumper, allow_unicode=True, width=1_000_000))
    if text.count("\n") != 1 or not text.endswith("\n"):
        raise _NotSimple  # a complex key or a block scalar: not one line
    return text[:-1]


class _SimpleWriter:
    """Block mappings written line by line; scalar styles remembered per distinct value."""

    def __init__(self) -> None:
        self.keys: dict[str, str] = {}
        self.texts: dict[str, str] = {}
        self.seen: set[int] = set()
        self.lines: list[str] = []
        self.heads: dict[str, dict[str, str]] = {}  # indent -> key -> indent + styled key

    def key(self, key: Any) -> str:
        if type(key) is not str:
            raise _NotSimple
        styled = self.keys.get(key)
        if styled is None:
            if len(key) > _SIMPLE_KEY_MAX:
                raise _NotSimple
            # _PLAIN matches printable ASCII only: the general check is for the others
            if _PLAIN.match(key) and (key[0] not in _CLAIMED or _plain_tag(key) == _STR):
                styled = key
            elif not (key.isascii() and key.isprintable()):
                raise _NotSimple
            else:
                line = _c_line(key, 0)
                if not line.endswith(": 0"):
                    raise _NotSimple
                styled = line[:-3]
            self.keys[key] = styled
        return styled

    def text(self, value: str) -> str:
        styled = self.texts.get(value)
        if styled is None:
            # _PLAIN matches printable ASCII only: the general check is for the others
            if _PLAIN.match(value) and (value[0] not in _CLAIMED or _plain_tag(value) == _STR):
                styled = value
            elif not (value.isascii() and value.isprintable()):
                raise _NotSimple
            else:
                styled = _c_line("k", value)[3:]
            self.texts[value] = styled
        return styled

    def value(self, value: Any) -> str:
        kind = type(value)
        if kind is str:
            return self.text(value)
        if kind is bool:
            return "true" if value else "false"
        if kind is int:
            text = str(value)
            return text if _plain_tag(text) == _INT else _c_line("k", value)[3:]
        if value is None:
            return "null"
        if kind is list:
            self.once(value)
            if not _inline(value) or not all(_c_emittable(v, self.seen) for v in value):
                raise _NotSimple
            return _c_line("k", value)[3:]
        raise _NotSimple

    def once(self, value: Any) -> None:
        if id(value) in self.seen:
            raise _NotSimple  # the representer would write an anchor and an alias
        self.seen.add(id(value))

    def mapping(self, mapping: dict[str, Any], indent: str) -> None:
        add, texts = self.lines.append, self.texts
        # each key's styled line start at this depth, worked out once (exact str keys only:
        # a subclass would hash like the text yet is no plain string to the emitters)
        heads = self.heads.get(indent)
        if heads is None:
            heads = self.heads[indent] = {}
        for key, item in mapping.items():
            head = heads.get(key) if type(key) is str else None
            if head is None:
                head = heads[key] = indent + self.key(key)
            kind = type(item)
            if kind is str:
                text = texts.get(item)
                add(f"{head}: {text if text is not None else self.text(item)}\n")
            elif kind is dict:
                self.once(item)
                if item:
                    add(head + ":\n")
                    self.mapping(item, indent + "  ")
                else:
                    add(head + ": {}\n")
            elif kind is bool:
                add(head + (": true\n" if item else ": false\n"))
            else:
                add(f"{head}: {self.value(item)}\n")


def _write_simple(document: dict[str, Any]) -> str:
    if not document:
        raise _NotSimple
    writer = _SimpleWriter()
    writer.once(document)
    writer.mapping(document, "")
    return "".join(writer.lines)


def dump_yaml(document: Mapping[str, Any]) -> str:
    """The one place manifest YAML is written: strings that look like numbers, booleans or
    dates are quoted (identifiers stay strings), unicode is kept, lines are not wrapped."""
    data = dict(document)
    if _CDumper is not None:
        try:
            return _write_simple(data)
        except _NotSimple:
            pass
    if _CDumper is not None and _c_emittable(data, set()):
        return _emit_c(data)
    return yaml.dump(
        data,
        Dumper=_ManifestDumper,
        sort_keys=False,
        allow_unicode=True,
        width=1_000_000,
        default_flow_style=False,
    )


def header(target_text: str, when: datetime) -> str:
    return (
        f"# yaml-language-server: $schema={SCHEMA_FILE_NAME}\n"
        f"# Exported from {target_text} by intacct-reconcile {__version__} "
        f"at {when.strftime('%Y-%m-%d %H:%M:%S')} UTC.\n"
    )


def render(parts: Sequence[KindExport], head: str) -> str:
    """One manifest file holding `parts` (templates as comments after the sections)."""
    text = [head, "version: 1\n"]
    for part in parts:
        if part.comment:
            text.append(part.comment)
        if part.section is not None:
            text.append(dump_yaml({part.kind: part.section}))
    return "".join(text)


# --- the verb --------------------------------------------------------------------------------


def export(
    *,
    kinds: Sequence[str] = (),
    out: Path,
    config: Path | None = None,
    target: str | None = None,
    concurrency: int | None = None,
    quiet: bool = False,
    single_file: bool = False,
    unmanaged: Path | None = None,
    force: bool = False,
    sandbox: bool = False,
    ui: Ui | None = None,
) -> str:
    """Write live objects as manifests into `out`; returns the summary line(s)."""
    from intacct_reconcile.run_context import resolve_context
    from intacct_reconcile.terminal import default_ui
    from intacct_reconcile.workflow import _load_desired

    chosen = choose_kinds(kinds)
    if unmanaged is not None and not unmanaged.exists():
        raise ConfigError(f"{unmanaged}: no such manifest directory or file — check --unmanaged")
    with _collector_paused():  # from the config's loading on (its checker's imports too)
        # with --unmanaged the config is found next to those manifests, as `plan` finds it
        ctx = resolve_context(unmanaged, config, target, concurrency, sandbox=sandbox)
        declared = _load_desired(unmanaged, ctx.target).desired if unmanaged is not None else None
        # before any read: a long export must not fail at the last step
        ui = ui or default_ui()
        if declared is None:  # with --unmanaged no file is overwritten: new files get free names
            check_folder(out, force=force, interactive=ui.interactive, confirm=ui.confirm)
        # the company lives in _read_and_write's locals: let go on its return, while the
        # collector is still off (once on, its first collection would walk every object still
        # alive that was made meanwhile, a hundredth of a second at 27,500 objects, only to find
        # no garbage)
        return _read_and_write(
            chosen, out, ctx.target, declared, ui=ui, quiet=quiet, single_file=single_file
        )


def _read_and_write(
    chosen: Sequence[str],
    out: Path,
    tgt: Any,
    declared: State | None,
    *,
    ui: Ui,
    quiet: bool,
    single_file: bool,
) -> str:
    """Read the chosen kinds, write their files; the summary line(s)."""
    from intacct_reconcile.connect import open_clients
    from intacct_reconcile.live import read_live, readable

    to_read = [k for k in chosen if readable(REGISTRY[k])]
    live = State({})
    if to_read:  # templates alone need no connection
        with (
            ui.progress(quiet=quiet) as progress,
            open_clients(tgt, progress=progress) as clients,
        ):
            progress.step(f"reading {len(to_read)} kind(s) from {tgt.name}")
            live = read_live(clients, to_read)
    parts = []
    for key in chosen:
        kind = REGISTRY[key]
        if not readable(kind):
            if declared is None or not declared.of(key):
                parts.append(KindExport(key, None, 0, template(kind)))
            continue
        part = kind_export(key, live, declared)
        if part.count or part.section is None:
            parts.append(part)
        # else: no live object (or nothing new with --unmanaged): no file, and the team's own
        # file for the kind stays as it is
    written = _write(
        out, parts, _target_text(tgt), single_file=single_file, keep=declared is not None
    )
    return summary(out, written)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off while a company is read and written: the live records,
    resources and manifest values are hundreds of thousands of young objects without cycles,
    which the collector would walk again and again (a fifth of an export's CPU at 27,500
    objects) for nothing; reference counting still frees them. The configuration is loaded
    inside it too (its checker's imports are thousands more long-lived objects). On again
    afterwards."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def _target_text(tgt: Any) -> str:
    where = f"company {tgt.company_id}" if tgt.company_id else "the sandbox company"
    if tgt.entity_id:
        where += f", entity {tgt.entity_id}"
    return f"{where} (target {tgt.name})"


def _write(
    out: Path, parts: Sequence[KindExport], target_text: str, *, single_file: bool, keep: bool
) -> list[tuple[Path, Sequence[KindExport]]]:
    """Write the files; `keep`: never replace an existing file (a free name is chosen)."""
    from intacct_reconcile.manifest.schema import schema_text

    head = header(target_text, datetime.now(UTC))
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"{out}: cannot create the --out directory ({exc.strerror}) — choose a writable path"
        ) from None
    if single_file:
        planned = [(SINGLE_FILE_NAME, parts)] if parts else []
    else:
        planned = [(f"{p.kind}.yaml", [p]) for p in parts]
    files = [(_free_name(out, name) if keep else out / name, ps) for name, ps in planned]
    try:
        for path, file_parts in files:
            path.write_text(render(file_parts, head), encoding="utf-8")
        schema = out / SCHEMA_FILE_NAME
        if files and not (keep and schema.exists()):
            # the modeline's schema, for editors (completion, checks as you type)
            schema.write_text(schema_text(), encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            f"{out}: cannot write the export there ({exc.strerror}) — choose a writable directory"
        ) from None
    return files


def _free_name(out: Path, name: str) -> Path:
    """roles.yaml, else roles-2.yaml, roles-3.yaml...: the first that does not exist."""
    path = out / name
    stem, suffix = path.stem, path.suffix
    n = 1
    while path.exists():
        n += 1
        path = out / f"{stem}-{n}{suffix}"
    return path


def summary(out: Path, files: Sequence[tuple[Path, Sequence[KindExport]]]) -> str:
    parts = [p for _, ps in files for p in ps]
    if not parts:
        return f"nothing to export into {out}: the manifests declare every live object"
    where = {p.kind: path.name for path, ps in files for p in ps}
    exported = [p for p in parts if p.section is not None]
    templates = [p.kind for p in parts if p.section is None]
    total = sum(p.count for p in exported)
    lines = [f"exported {_count(total, 'object')} of {_count(len(exported), 'kind')} to {out}"]
    lines += [f"  {p.kind}: {_count(p.count, 'object')} ({where[p.kind]})" for p in exported]
    if templates:
        lines.append(
            "templates to fill in from the UI (not readable through the API): "
            + ", ".join(f"{k} ({where[k]})" for k in templates)
        )
    return "\n".join(lines)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
