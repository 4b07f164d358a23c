#!/usr/bin/python3
"""Check that libpinhole.so exports exactly the functions declared in the
public headers: nothing internal leaks, nothing public is missing."""
import re
import subprocess
import sys

lib, *headers = sys.argv[1:]
out = subprocess.run(["nm", "-D", "--defined-only", lib], check=True,
                     capture_output=True, text=True).stdout
exported = {line.split()[-1].split("@")[0] for line in out.splitlines()
            if line.split()[1] in ("T", "D", "B", "R")}
declared = set()
for h in headers:
    with open(h, encoding="utf-8") as f:
        text = f.read()
    declared |= set(re.findall(r"\b(ph_[a-z0-9_]+)\s*\(", text))
# Types named like functions (callback typedefs) are not symbols.
declared -= {"ph_log_handler"}
extra = sorted(exported - declared)
missing = sorted(declared - exported)
for s in extra:
    print(f"exported but not in a public header: {s}")
for s in missing:
    print(f"declared in a public header but not exported: {s}")
print(f"{len(exported)} symbols exported")
sys.exit(1 if extra or missing else 0)
