# Parses targets with graphite-web's own pyparsing grammar and prints the parse tree as JSON
# (one line per input line), for the grammar differential test.
import sys, json
import django
from django.conf import settings
settings.configure(UTF8_METRICS=False)
from graphite.render.grammar_unsafe import grammar
import pyparsing

def conv(t):
    if t.template:
        return {'template': conv_expr_or_call(t.template), 'args': [conv_arg(a) for a in (t.template.args or [])], 'kwargs': [[k.argname, conv_arg(k.args[0])] for k in (t.template.kwargs or [])]}
    if t.expression:
        e = t.expression
        return {'expr': conv(e) if not e.pathExpression and not e.call and not e.template else base(e), 'pipes': [conv_call(p.call) for p in e.pipedCalls]}
    return base(t)
def base(t):
    if t.template: return conv(t)
    if t.call: return conv_call(t.call)
    if t.pathExpression: return {'path': t.pathExpression}
    return {'other': t.asList()}
def conv_call(c):
    return {'call': c.funcname, 'args': [conv_arg(a) for a in (c.args or [])], 'kwargs': [[k.argname, conv_arg(k.args[0])] for k in (c.kwargs or [])]}
def conv_expr_or_call(t):
    if t.call: return conv_call(t.call)
    return {'path': t.pathExpression}
def conv_arg(a):
    if a.number:
        n=a.number
        if n.integer: return {'int': n.integer}
        if n.float: return {'float': n.float}
        if n.scientific: return {'sci': n.scientific[0]}
    if a.string: return {'str': a.string}
    if a.boolean: return {'bool': a.boolean[0]}
    if a.none: return {'none': True}
    if a.infinity: return {'inf': True}
    if a.expression: return conv(a)
    return {'unknown': a.asList()}
for line in sys.stdin:
    s = line.rstrip('\n')
    try:
        r = grammar.parseString(s)
        print(json.dumps({'in': s, 'out': conv(r)}))
    except Exception as e:
        print(json.dumps({'in': s, 'err': type(e).__name__ + ': ' + str(e)}))
