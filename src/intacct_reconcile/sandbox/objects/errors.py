"""SandboxError and the gateway's error shapes (errorno, description, description2, correction).

Numbers come from reference §1.6; the ones it leaves open are marked `# assumption:`.
"""

from __future__ import annotations

from collections.abc import Sequence

from intacct_reconcile.errors import ReconcileError

Problem = tuple[str, str, str, str]  # errorno, description, description2, correction

GENERIC = "BL01001973"  # "could not create/update/find" wrapper that trails a specific error
ILLEGAL = "BL03000018"  # "Illegal format for ..." (invalid field value)
DUPLICATE = "BL34000061"  # "Another X with the given value(s) Y already exists"
# assumption: the reference has no number for these; the BL03000018 / BL01001973 families
# are the closest documented ones.
REQUIRED = ILLEGAL
READ_ONLY_OBJECT = "BL01001973"
UNKNOWN_OBJECT = "BL01001973"
NOT_FOUND = GENERIC
IN_USE = "BL01001973"


class SandboxError(ReconcileError):
    """A business failure, reported by the gateway as a failure result with these errors."""

    def __init__(self, errors: Sequence[Problem]):
        self.errors: list[Problem] = list(errors)
        super().__init__("; ".join(e[1] for e in self.errors))


def failed(verb: str, label: str, *problems: Problem) -> SandboxError:
    """Specific problems followed by the generic 'Could not <verb> <label> record!' line."""
    return SandboxError([*problems, (GENERIC, f"Could not {verb} {label} record!", "", "")])


def illegal(field: str, value: str, allowed: Sequence[str] = ()) -> Problem:
    hint = f"Use one of: {', '.join(allowed)}." if allowed else f"Correct the value of {field}."
    return (ILLEGAL, f"Illegal format for {field}", f"'{value}' is not valid for {field}.", hint)


def required(field: str) -> Problem:
    # assumption: wording; the reference records no message for a missing required field
    return (REQUIRED, f"Required field {field} is missing", "", f"Provide a value for {field}.")


def unknown_field(obj: str, field: str) -> Problem:
    # assumption: unknown fields are rejected rather than ignored, so client typos surface
    return (ILLEGAL, f"Invalid field {field} for object {obj}", "", "Check the field name.")


def read_only_field(field: str) -> Problem:
    return (ILLEGAL, f"Field {field} is read-only", "", f"Remove {field} from the request.")


def missing_reference(field: str, value: str, target_label: str) -> Problem:
    # assumption: wording and number of a dangling reference error
    return (
        ILLEGAL,
        f"Invalid {field}",
        f"The {target_label} '{value}' given in {field} does not exist.",
        f"Create the {target_label} first or correct {field}.",
    )


def duplicate(label: str, key: str) -> Problem:
    return (
        DUPLICATE,
        f"Another {label} with the given value(s) {key} already exists",
        "",
        "Use a unique value instead.",
    )


def not_found(label: str, key: str, verb: str) -> Problem:
    # "to delete" text is from reference §1.6; "to update"/"to read" are the same shape.
    return (NOT_FOUND, f"Cannot find {label} with key '{key}' to {verb}.", "", "")


def read_only_object(obj: str, verb: str) -> Problem:
    # assumption: the reference leaves the error for an unsupported verb unconfirmed
    return (
        READ_ONLY_OBJECT,
        f"{verb} is not supported on object {obj}",
        f"The object {obj} is read-only in the XML API.",
        "Use the REST API or the Intacct UI to change it.",
    )


def unknown_object(obj: str) -> Problem:
    return (UNKNOWN_OBJECT, f"Object {obj} does not exist", "", "Check the object name.")
