# Answers batches of questions with the real Python / graphite-web code, for the render
# core's differential tests. Input: one JSON object per line; output: one JSON answer per line.
#   {"op": "repr", "x": "0.1"}                      -> "0.1"
#   {"op": "g", "x": "1234565"}                     -> "1.23456e+06"
#   {"op": "round", "x": "2.675", "n": 2}           -> "2.67"
#   {"op": "fixed", "x": "2.675", "n": 2}           -> "2.67"  ('%.2f')
#   {"op": "attime", "s": "-1h", "tz": "UTC", "now": 1700000000} -> 1699996400 or {"error": "..."}
#   {"op": "offset", "s": "-1h30min"}               -> -5400 or {"error": ...}
#   {"op": "sub", "pattern": "...", "repl": "...", "text": "..."} -> "..." or {"error": ...}
#   {"op": "search", "pattern": "...", "text": "..."} -> true/false
#   {"op": "fnmatch", "pattern": "...", "names": [...]} -> [...matching]
#   {"op": "braces", "s": "..."}                     -> sorted list
import json
import re
import sys
import fnmatch

from django.conf import settings
settings.configure(TIME_ZONE='UTC', UTF8_METRICS=False)

import pytz
from graphite.render.attime import parseATTime, parseTimeOffset
from graphite.finders import expand_braces


def epoch(dt):
    return int((dt - pytz.utc.localize(__import__('datetime').datetime(1970, 1, 1))).total_seconds())


def answer(q):
    op = q['op']
    if op == 'repr':
        return repr(float(q['x']))
    if op == 'g':
        return '%g' % float(q['x'])
    if op == 'round':
        return repr(round(float(q['x']), q['n']))
    if op == 'fixed':
        return '%.*f' % (q['n'], float(q['x']))
    if op == 'attime':
        tz = pytz.timezone(q['tz'])
        now = parseATTime(str(q['now']), tz)
        return epoch(parseATTime(q['s'], tz, now))
    if op == 'offset':
        d = parseTimeOffset(q['s'])
        return d.days * 86400 + d.seconds
    if op == 'sub':
        return re.sub(q['pattern'], q['repl'], q['text'])
    if op == 'search':
        return re.search(q['pattern'], q['text']) is not None
    if op == 'fnmatch':
        return [n for n in q['names'] if fnmatch.fnmatchcase(n, q['pattern'])]
    if op == 'braces':
        return sorted(expand_braces(q['s']))
    raise ValueError('unknown op ' + op)


for line in sys.stdin:
    q = json.loads(line)
    try:
        out = answer(q)
    except Exception as e:  # the message is what graphite would put in its 400
        out = {'error': str(e)}
    sys.stdout.write(json.dumps(out) + '\n')
