# Writes the Whisper files the HTTP/render tests (and the graphite-web differential test) read,
# with Debian's whisper.py, so the files are byte-for-byte what carbon would write.
#   /usr/bin/python3 make-fixture.py DIR NOW
import math
import os
import sys

import whisper

root = sys.argv[1]
NOW = int(sys.argv[2])
T0 = NOW - NOW % 60 - 3600
R = [(10, 360 * 6), (60, 1440 * 7), (3600, 24 * 365)]


def mk(name, archives, points, agg='average', xff=0.5):
    path = os.path.join(root, *name.split('.')) + '.wsp'
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if os.path.exists(path):
        os.remove(path)
    whisper.create(path, archives, xFilesFactor=xff, aggregationMethod=agg)
    if points:
        whisper.update_many(path, points, now=NOW)


mk('a.b.c', R, [(T0 + 10 * i, float(i % 50)) for i in range(0, 360) if i % 17 not in (5, 6)])
mk('a.b.d', R, [(T0 + 10 * i, 100 + 0.5 * i) for i in range(0, 360) if not (40 <= i <= 45)])
mk('a.counter', R, [(T0 + 10 * i, 1000 + 7 * i if i < 200 else 3 + 7 * (i - 200)) for i in range(360)], agg='max')
mk('a.x.y', R, [(T0 + 10 * i, 42.0) for i in range(360)])
W = [0.00001, 0.1, 1 / 3, 1e21, 123456789012, -0.0, float('nan'), float('inf'), float('-inf'), 1e-7, 100,
     2.5e-300, 0.30000000000000004, 1e16, -5]
mk('weird.values', R, [(T0 + 10 * k, v) for k, v in enumerate(W)])
mk('mixed.fine', [(10, 360), (60, 1440)], [(T0 + 10 * i, float(i)) for i in range(360)])
mk('mixed.coarse', [(60, 1440 * 7)], [(T0 + 60 * i, float(i * 3)) for i in range(60)])
for h in range(1, 4):
    for k in ('user', 'system', 'idle'):
        mk('servers.web%d.cpu.%s' % (h, k), R,
           [(T0 + 10 * i, float((i * h + len(k)) % 23)) for i in range(360) if (i + h) % 11])
mk('long.term', [(3600, 24 * 365 * 2)], [(NOW - NOW % 3600 - 3600 * i, float(i % 100)) for i in range(24 * 400)])
mk('u.caf\u00e9', R, [(T0 + 10 * i, 1.0) for i in range(10)])
print(T0)
