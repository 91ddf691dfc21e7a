# Test oracle: runs many Whisper operations through Debian's whisper.py in ONE process.
# Reads a JSON task list on stdin, writes a JSON result list on stdout. Doubles travel as
# big-endian hex strings so NaN, -0.0 and infinities survive the trip.
#
# Tasks:
#   {"kind": "sequence", "path": P, "archives": [[spp, points]...], "xff": hex, "method": M,
#    "ops": [{"op": "update", "value": hex, "timestamp": T|null, "now": N}
#            | {"op": "update_many", "points": [[T, hex]...], "now": N}
#            | {"op": "set_aggregation", "method": M, "xff": hex|null}],
#    "fetches": [{"from": F, "until": U|null, "now": N, "archive": S|null}]}
#     -> {"errors": [null | "Class: message" per op], "fetches": [null | {"timeInfo": [...], "values": [hex|null]} | {"error": ...}]}
#   {"kind": "validate", "archives": [[spp, points]...]} -> {"ok": [[spp, points]...]} | {"error": "Class: message"}
#   {"kind": "retention", "text": S} -> {"ok": [spp, points]} | {"error": "Class: message"}
#   {"kind": "create", "path": P, "archives": [...], "xff": X, "method": M} -> {"ok": true} | {"error": ...}
import json
import struct
import sys

import whisper


def d(h):
    return struct.unpack('!d', bytes.fromhex(h))[0]


def h(x):
    return struct.pack('!d', x).hex()


def err(e):
    return '%s: %s' % (type(e).__name__, e)


def run_sequence(task):
    path = task['path']
    whisper.create(path, [tuple(a) for a in task['archives']], xFilesFactor=d(task['xff']),
                   aggregationMethod=task['method'])
    errors = []
    for op in task['ops']:
        try:
            if op['op'] == 'update':
                whisper.update(path, d(op['value']), op['timestamp'], op['now'])
            elif op['op'] == 'set_aggregation':
                xff = op.get('xff')
                whisper.setAggregationMethod(path, op['method'], None if xff is None else d(xff))
            else:
                whisper.update_many(path, [(t, d(v)) for t, v in op['points']], op['now'])
            errors.append(None)
        except Exception as e:  # noqa: B902 - the oracle reports every failure
            errors.append(err(e))
    fetches = []
    for f in task['fetches']:
        try:
            r = whisper.fetch(path, f['from'], f['until'], f['now'], f['archive'])
            if r is None:
                fetches.append(None)
            else:
                fetches.append({'timeInfo': list(r[0]), 'values': [None if v is None else h(v) for v in r[1]]})
        except Exception as e:  # noqa: B902
            fetches.append({'error': err(e)})
    return {'errors': errors, 'fetches': fetches}


def run(task):
    kind = task['kind']
    try:
        if kind == 'sequence':
            return run_sequence(task)
        if kind == 'validate':
            archives = [tuple(a) for a in task['archives']]
            whisper.validateArchiveList(archives)
            return {'ok': [list(a) for a in archives]}
        if kind == 'retention':
            return {'ok': list(whisper.parseRetentionDef(task['text']))}
        if kind == 'create':
            whisper.create(task['path'], [tuple(a) for a in task['archives']], task['xff'], task['method'])
            return {'ok': True}
        return {'error': 'unknown task %s' % kind}
    except Exception as e:  # noqa: B902
        return {'error': err(e)}


def main():
    tasks = json.load(sys.stdin)
    json.dump([run(t) for t in tasks], sys.stdout)


main()
