#!/usr/bin/env python3
"""Validate an infusiond FHIR audit export with an independent FHIR validator.

Usage: validate-fhir-audit.py EXPORT.json

The file must be a FHIR R4 Bundle of type `collection` whose entries are AuditEvent resources. Each resource is
validated by the `fhir.resources` package (pinned in .ci/run), using its R4B models: R4B's AuditEvent and Bundle
have exactly the elements and cardinalities of R4 4.0.1's (compared element by element against fhir.resources
5.1.1, the last release whose default is R4). Because those models check structure and primitive types but not
value sets, the R4 *required* bindings of AuditEvent.action (C|R|U|D|E) and AuditEvent.outcome (0|4|8|12) are
checked here too.

Exit status: 0 valid (prints how many events), 1 invalid (prints the first problems), 2 the validator is missing.
"""
import base64
import hashlib
import json
import sys

try:
    from fhir.resources.R4B.auditevent import AuditEvent
    from fhir.resources.R4B.bundle import Bundle
except ImportError as error:  # pragma: no cover - reported to the caller
    print(f"fhir.resources is not installed ({error}); run: python3 -m pip install fhir.resources==8.3.0")
    sys.exit(2)

REQUIRED_ACTION = {"C", "R", "U", "D", "E"}
REQUIRED_OUTCOME = {"0", "4", "8", "12"}


def main(path):
    with open(path, "rb") as handle:
        document = json.load(handle)
    problems = []
    try:
        Bundle.model_validate(document)
    except Exception as error:  # the validator's own message names the element
        problems.append(f"Bundle: {error}")
    if document.get("type") != "collection":
        problems.append(f"Bundle.type is {document.get('type')!r}, not 'collection'")
    entries = document.get("entry") or []
    previous_hash = None
    for index, entry in enumerate(entries):
        resource = entry.get("resource", {})
        where = f"entry[{index}]"
        if resource.get("resourceType") != "AuditEvent":
            problems.append(f"{where} is a {resource.get('resourceType')}, not an AuditEvent")
            continue
        try:
            AuditEvent.model_validate(resource)
        except Exception as error:
            problems.append(f"{where}: {error}")
        if resource.get("action") not in REQUIRED_ACTION:
            problems.append(f"{where}.action {resource.get('action')!r} is not in the required value set C|R|U|D|E")
        if resource.get("outcome") not in REQUIRED_OUTCOME:
            problems.append(f"{where}.outcome {resource.get('outcome')!r} is not in the required value set 0|4|8|12")
        # The chain details the export promises: seq, hash, prevHash and the hashed bytes.
        details = {d["type"]: d for d in resource.get("entity", [{}])[0].get("detail", [])}
        for needed in ("seq", "hash", "prevHash", "record"):
            if needed not in details:
                problems.append(f"{where}.entity[0].detail has no {needed!r}")
        if "record" in details and "hash" in details:
            record = base64.b64decode(details["record"]["valueBase64Binary"])
            if hashlib.sha256(record).hexdigest() != details["hash"]["valueString"]:
                problems.append(f"{where}: the record bytes do not hash to the hash carried beside them")
            if previous_hash is not None and details["prevHash"]["valueString"] != previous_hash:
                problems.append(f"{where}: prevHash does not name the previous entry's hash")
            previous_hash = details["hash"]["valueString"]
        if len(problems) >= 20:
            break
    if problems:
        print(f"INVALID: {len(problems)} problem(s) in {path}")
        for problem in problems[:20]:
            print(f"  - {problem}")
        return 1
    print(f"VALID: {len(entries)} AuditEvent resources in a FHIR R4 Bundle (collection)")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(64)
    sys.exit(main(sys.argv[1]))
