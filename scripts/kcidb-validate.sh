#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kcidb-validate.sh FILE: check a KCIDB file (mmt-campaign --kcidb, a
# campaign's kcidb.json) against scripts/kcidb/schema-v5.json with
# Debian's python3-jsonschema, and that every build_id and checkout_id
# names an object in the file. Prints "kcidb: valid (...)" or the errors;
# exit 0 valid, 1 invalid, 2 cannot check.
top=$(cd "$(dirname "$0")/.." && pwd)
[ $# = 1 ] || { echo "usage: kcidb-validate.sh FILE" >&2; exit 2; }
python3 - "$top/scripts/kcidb/schema-v5.json" "$1" <<'PY'
import json, sys
try:
    import jsonschema
except ImportError:
    print("kcidb: python3-jsonschema is missing: run 'make deps'", file=sys.stderr)
    sys.exit(2)
schema = json.load(open(sys.argv[1]))
try:
    data = json.load(open(sys.argv[2]))
except (OSError, ValueError) as e:
    print(f"kcidb: cannot read {sys.argv[2]}: {e}")
    sys.exit(1)
v = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
errs = [f"{'/'.join(str(p) for p in e.absolute_path)}: {e.message}" for e in v.iter_errors(data)]
checkouts = {c.get("id") for c in data.get("checkouts", []) if isinstance(c, dict)}
builds = {b.get("id") for b in data.get("builds", []) if isinstance(b, dict)}
for i, b in enumerate(data.get("builds", []) if isinstance(data, dict) else []):
    if isinstance(b, dict) and b.get("checkout_id") not in checkouts:
        errs.append(f"builds/{i}: checkout_id {b.get('checkout_id')!r} names no checkout")
ids = set()
for i, t in enumerate(data.get("tests", []) if isinstance(data, dict) else []):
    if isinstance(t, dict):
        if t.get("build_id") not in builds:
            errs.append(f"tests/{i}: build_id {t.get('build_id')!r} names no build")
        if t.get("id") in ids:
            errs.append(f"tests/{i}: id {t.get('id')!r} is not unique")
        ids.add(t.get("id"))
for e in errs[:20]:
    print("kcidb: invalid:", e)
if errs:
    sys.exit(1)
print(f"kcidb: valid ({len(data.get('checkouts', []))} checkouts, {len(data.get('builds', []))} builds, {len(data.get('tests', []))} tests)")
PY
