# Creates real Whisper files with Debian's whisper.py (run with /usr/bin/python3).
# stdin: JSON {"dir": DATA_DIR, "series": [{"name": "a.b.c", "retentions": [[10, 360]], "points": [[ts, value], ...]}],
#              "links": {"source": "a.b.c", "names": ["big.g00.m0000", ...]}}
# Names are turned into paths component by component, exactly as carbon does (dots → directories).
# "links" hard-links one created file under many names: a 100,000-metric tree in about a second
# and no extra disk space (the tree test only lists and reads them).
import json, os, sys
import whisper

spec = json.load(sys.stdin)
root = spec["dir"]

def path_of(name):
    return os.path.join(root, *name.split(".")) + ".wsp"

for s in spec.get("series", []):
    p = path_of(s["name"])
    os.makedirs(os.path.dirname(p), exist_ok=True)
    whisper.create(p, [tuple(r) for r in s["retentions"]], xFilesFactor=0.0, aggregationMethod=s.get("aggregation", "average"))
    points = [(int(t), float(v)) for t, v in s.get("points", [])]
    if points:
        whisper.update_many(p, points)

links = spec.get("links")
if links:
    src = path_of(links["source"])
    made = set()
    for name in links["names"]:
        p = path_of(name)
        d = os.path.dirname(p)
        if d not in made:
            os.makedirs(d, exist_ok=True)
            made.add(d)
        os.link(src, p)
print("ok")
