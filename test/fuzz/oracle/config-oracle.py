#!/usr/bin/python3 -X utf8
"""What Supervisor 4.2.5 (Python 3.11) makes of many generated inputs at once, for the fuzz oracle.

stdin: a JSON array of requests; stdout: a JSON array of answers, in the same order.
  {"ini": text}                 parsed by 4.2.5's UnhosedConfigParser as supervisord reads a
                                file (universal newlines)
    -> {"ok": true, "sections": [[name, [[key, value], ...]], ...]}   items() of each section
     | {"ok": false, "error": str(exception)}
  Either may instead be {"ok": null, "unassigned": true}: the input holds a code point that
  Python's Unicode 14 does not assign, which the comparison skips.
  {"format": s, "names": [[name, str | int], ...], "key": k}
                                supervisor.options.expand(s, names, k)
    -> {"ok": true, "value": str} | {"ok": false, "error": str(exception)}
"""
import io
import json
import sys
import unicodedata
import warnings

warnings.simplefilter('ignore')
from supervisor.options import UnhosedConfigParser, expand  # noqa: E402


def read_ini(text):
    parser = UnhosedConfigParser()
    try:
        parser.read_file(io.StringIO(text, newline=None), '/fuzz.conf')
    except Exception as e:  # noqa: BLE001 - the oracle reports whatever 4.2.5 raises
        return {'ok': False, 'error': str(e)}
    return {'ok': True, 'sections': [[s, [list(kv) for kv in parser.items(s)]] for s in parser.sections()]}


def format_value(s, names, key):
    try:
        return {'ok': True, 'value': expand(s, dict(names), key)}
    except Exception as e:  # noqa: BLE001
        return {'ok': False, 'error': str(e)}


def answer(request):
    text = request.get('ini', request.get('format'))
    if any(unicodedata.category(ch) == 'Cn' for ch in text):
        # unassigned in Python 3.11's Unicode 14 but maybe not in Node's newer ICU: repr() and
        # lower() may differ there, a difference of Unicode versions, not of the reader
        return {'ok': None, 'unassigned': True}
    if 'ini' in request:
        return read_ini(request['ini'])
    return format_value(request['format'], request['names'], request['key'])


json.dump([answer(r) for r in json.load(sys.stdin)], sys.stdout, ensure_ascii=True)
