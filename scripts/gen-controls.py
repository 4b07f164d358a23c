#!/usr/bin/python3
"""Generate <pinhole/control_ids.h>, the library's control table and the
control reference documentation from data/controls.yaml.

usage: gen-controls.py header|table|doc INPUT OUTPUT
"""
import re
import sys

import yaml

TYPES = {
    "bool": "PH_CONTROL_TYPE_BOOL",
    "int32": "PH_CONTROL_TYPE_INT32",
    "int64": "PH_CONTROL_TYPE_INT64",
    "float": "PH_CONTROL_TYPE_FLOAT",
    "string": "PH_CONTROL_TYPE_STRING",
}
DIRECTIONS = {"in": "PH_CONTROL_DIR_IN", "out": "PH_CONTROL_DIR_OUT",
              "inout": "PH_CONTROL_DIR_INOUT"}


def macro(name):
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).upper()


def load(path):
    with open(path, encoding="utf-8") as f:
        data = yaml.safe_load(f)
    entries = []
    seen_ids, seen_names = set(), set()
    for kind in ("controls", "properties"):
        for e in data[kind]:
            for key in ("name", "id", "type", "description"):
                if key not in e:
                    sys.exit(f"{path}: {kind} entry {e.get('name', '?')}: missing '{key}'")
            if e["type"] not in TYPES:
                sys.exit(f"{path}: {e['name']}: unknown type '{e['type']}'")
            if e["id"] in seen_ids or e["name"] in seen_names:
                sys.exit(f"{path}: {e['name']}: duplicate name or id")
            seen_ids.add(e["id"])
            seen_names.add(e["name"])
            e = dict(e)
            e["kind"] = kind
            e.setdefault("count", 1)
            e.setdefault("unit", "")
            e.setdefault("direction", "out" if kind == "properties" else "inout")
            e["prefix"] = "PH_CONTROL_" if kind == "controls" else "PH_PROPERTY_"
            entries.append(e)
    return entries


def c_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def header(entries):
    out = ["/* Generated from data/controls.yaml by scripts/gen-controls.py: do not edit. */",
           "#pragma once", "",
           "/**", " * @file control_ids.h",
           " * Ids of every control and property. Ids are stable ABI.", " */", ""]
    for kind, enum in (("controls", "ph_control_id"), ("properties", "ph_property_id")):
        out.append(f"enum {enum} {{")
        for e in (x for x in entries if x["kind"] == kind):
            desc = " ".join(e["description"].split())
            arr = f", {e['count']} elements" if e["count"] > 1 else ""
            unit = f", {e['unit']}" if e["unit"] else ""
            out.append(f"\t/** {e['name']} ({e['type']}{arr}{unit}): {desc} */")
            out.append(f"\t{e['prefix']}{macro(e['name'])} = {hex(e['id']) if e['id'] > 0xffff else e['id']},")
        out.append("};")
        out.append("")
    return "\n".join(out)


def table(entries):
    out = ["/* Generated from data/controls.yaml by scripts/gen-controls.py: do not edit. */",
           '#include "core/internal.h"', "",
           "const struct ph_control_desc ph_control_descs[] = {"]
    for e in entries:
        desc = " ".join(e["description"].split())
        out.append(f"\t{{ {e['prefix']}{macro(e['name'])}, {c_string(e['name'])}, "
                   f"{TYPES[e['type']]}, {e['count']}, {DIRECTIONS[e['direction']]}, "
                   f"{c_string(e['unit'])}, {c_string(desc)} }},")
    out.append("};")
    out.append("const unsigned ph_control_desc_count = sizeof(ph_control_descs) / sizeof(ph_control_descs[0]);")
    out.append("")
    return "\n".join(out)


def doc(entries):
    out = ["# Controls and properties", "",
           "Generated from `data/controls.yaml`; the header `<pinhole/control_ids.h>` holds the same list.", ""]
    for kind, title in (("controls", "Controls"), ("properties", "Properties")):
        out += [f"## {title}", "", "| name | id | type | unit | direction | description |",
                "|---|---|---|---|---|---|"]
        for e in (x for x in entries if x["kind"] == kind):
            t = e["type"] + (f"[{e['count']}]" if e["count"] > 1 else "")
            desc = " ".join(e["description"].split())
            out.append(f"| {e['name']} | `{e['prefix']}{macro(e['name'])}` ({hex(e['id'])}) | {t} | "
                       f"{e['unit']} | {e['direction']} | {desc} |")
        out.append("")
    return "\n".join(out)


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("header", "table", "doc"):
        sys.exit(__doc__)
    entries = load(sys.argv[2])
    text = {"header": header, "table": table, "doc": doc}[sys.argv[1]](entries)
    with open(sys.argv[3], "w", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    main()
