# Creates real Whisper files with Debian's whisper.py (run with /usr/bin/python3).
# stdin: JSON {"dir": DATA_DIR, "series": [{"name": "a.b.c", "retentions": [[10, 360]], "points": [[ts, value], ...]}],
#              "links": {"source": "a.b.c", "names": ["big.g00.m0000", ...]}}
# Names are turned into paths component by component, exactly as carbon does (dots → directories).
# "links" hard-links one created file under many names: a 100,000-metric tree in about a second
# and almost no disk space (the tree test only lists and reads them). File systems cap links per
# inode (ext4: 65,000), so each directory gets its own copy of the file, linked within it.
import json, os, shutil, sys
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
    first_in_dir = {}
    for name in links["names"]:
        p = path_of(name)
        d = os.path.dirname(p)
        if d not in first_in_dir:
            os.makedirs(d, exist_ok=True)
            shutil.copyfile(src, p)
            first_in_dir[d] = p
        else:
            os.link(first_in_dir[d], p)
print("ok")
