"""Summarises dev/gpu/prototype_mec_kernels.py's CSV: per mode (forward, forward_input, dkernel, dlowered), each
tile at its best split against the backend's rule (geometric mean over the layers, range), and per layer the rule's
time against the best (tile/split). Usage: python3 dev/gpu/prototype_analysis.py PROTO.csv
"""
import csv, sys, math, collections
rows = list(csv.DictReader(open(sys.argv[1])))
by = collections.defaultdict(dict)   # (layer, mode) -> {(tile, sp): ms}
rule = {}
for r in rows:
    k = (r["layer"], r["mode"]); by[k][(r["tile"], int(r["splits"]))] = float(r["ms"])
    if r["rule"] == "1": rule[k] = float(r["ms"])
tiles = sorted({t for d in by.values() for (t, _) in d})
modes = ["forward", "forward_input", "dkernel", "dlowered"]
for mode in modes:
    keys = [k for k in by if k[1] == mode]
    print(f"\n== {mode}: per tile, best split, ratio to rule (geomean over {len(keys)} layers; <1 faster)")
    res = []
    for t in tiles:
        rs = []
        for k in keys:
            c = [ms for (tt, sp), ms in by[k].items() if tt == t]
            if c and k in rule: rs.append(min(c) / rule[k])
        if len(rs) == len(keys):
            res.append((math.exp(sum(map(math.log, rs)) / len(rs)), t, min(rs), max(rs)))
    for g, t, lo, hi in sorted(res): print(f"  {t:18} {g:.3f}  ({lo:.2f}-{hi:.2f})")
    print("  per layer: rule ms | best (tile/split ms)")
    for k in sorted(keys):
        bt = min(by[k], key=by[k].get)
        print(f"    {k[0]:8} {rule.get(k, float('nan')):.3f} | {bt[0]}/{bt[1]} {by[k][bt]:.3f}  ratio {by[k][bt]/rule.get(k, 1):.2f}")
