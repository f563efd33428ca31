#!/usr/bin/env python3
"""Helpers for the reference tests (python3 stdlib only).

  ref.py addmo EPOCH K            EPOCH + K calendar months (K may be negative),
                                  the day clamped to the month's length
  ref.py iso EPOCH                YYYY-MM-DDTHH:MM:SSZ
  ref.py epoch TIMESTAMP          seconds since the epoch (UTC)
  ref.py periods T UNIT N         SQL inserting the N periods of length 1 UNIT
                                  (mo, Nmo, or DAYS as an integer) that end at T into
                                  temp table per(k, s, e): [T-k*P, T-(k-1)*P)
  ref.py cmp NAME TIDE.json SQL.json SPEC [--ordered]
                                  compare a tide result with the SQL result.
  ref.py cmpdir DIR               the queued cases of reflib.bash, in order

SPEC is a space separated list of column:type, type one of
  key    string, identifies the row (unordered comparison)
  str    string          int    integer, exact        bool   true/false vs 1/0
  money  tide decimal vs SQL integer of cents, exact
  ratio  real, |a-b| <= 1e-9 * max(1, |b|)
  ts     tide YYYY-MM-DDTHH:MM:SSZ vs SQL seconds since the epoch
Null must match null.  The set of columns must match exactly.
"""
import calendar
import datetime as dt
import json
import math
import os
import sys
from decimal import Decimal

UTC = dt.timezone.utc


def add_months(epoch, k):
    t = dt.datetime.fromtimestamp(int(epoch), UTC)
    m0 = t.month - 1 + k
    y, m = t.year + m0 // 12, m0 % 12 + 1
    d = min(t.day, calendar.monthrange(y, m)[1])
    return int(t.replace(year=y, month=m, day=d).timestamp())


def iso(epoch):
    return dt.datetime.fromtimestamp(int(epoch), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_epoch(s):
    s = s.strip()
    if s.endswith("Z"):
        s = s[:-1]
    s = s.replace(" ", "T")
    if "T" not in s:
        s += "T00:00:00"
    return int(dt.datetime.fromisoformat(s).replace(tzinfo=UTC).timestamp())


def load(path):
    with open(path) as f:
        text = f.read().strip()
    if not text:
        return []
    return json.loads(text, parse_float=Decimal)


def parse_spec(spec):
    cols = []
    for item in spec.split():
        name, typ = item.rsplit(":", 1)
        cols.append((name, typ))
    return cols


def norm(typ, v, side):
    """Normalise one value to something comparable; side is 'tide' or 'sql'."""
    if v is None:
        return None
    if typ in ("key", "str"):
        return str(v)
    if typ == "int":
        if isinstance(v, Decimal) and v != v.to_integral_value():
            return ("non-integer", str(v))
        return int(v)
    if typ == "bool":
        if side == "tide":
            return v if isinstance(v, bool) else ("non-bool", v)
        return bool(int(v))
    if typ == "money":
        if side == "tide":
            d = Decimal(str(v)) * 100
            if d != d.to_integral_value():
                return ("not 2 decimals", str(v))
            return int(d)
        return int(v)
    if typ == "ratio":
        return float(v)
    if typ == "ts":
        if side == "tide":
            return to_epoch(v) if isinstance(v, str) else ("non-ts", v)
        return int(v)
    raise SystemExit("unknown type " + typ)


def show(typ, v):
    if v is None:
        return "null"
    if typ == "money" and isinstance(v, int):
        return ("-" if v < 0 else "") + "%d.%02d" % divmod(abs(v), 100)
    if typ == "ts" and isinstance(v, int):
        return iso(v)
    return repr(v)


def same(typ, a, b):
    if a is None or b is None:
        return a is None and b is None
    if typ == "ratio":
        if isinstance(a, tuple) or isinstance(b, tuple):
            return False
        return abs(a - b) <= 1e-9 * max(1.0, abs(b))
    return a == b


def compare(tide_rows, sql_rows, cols, ordered, limit=8, sides=("tide", "sql"), labels=("tide", "sql")):
    """Returns a list of difference strings (empty when equal)."""
    diffs = []
    names = [c for c, _ in cols]
    if tide_rows and set(tide_rows[0].keys()) != set(names):
        diffs.append("%s columns %s, want %s" % (labels[0], sorted(tide_rows[0].keys()), sorted(names)))
        return diffs
    if sql_rows and set(sql_rows[0].keys()) != set(names):
        diffs.append("%s columns %s, want %s (test bug)" % (labels[1], sorted(sql_rows[0].keys()), sorted(names)))
        return diffs
    keys = [c for c, t in cols if t == "key"]

    def nrow(r, side):
        return {c: norm(t, r.get(c), side) for c, t in cols}

    T = [nrow(r, sides[0]) for r in tide_rows]
    S = [nrow(r, sides[1]) for r in sql_rows]
    if ordered or not keys:
        if len(T) != len(S):
            diffs.append("%s %d rows, %s %d rows" % (labels[0], len(T), labels[1], len(S)))
        pairs = list(zip(T, S))
        rowlabels = ["row %d" % i for i in range(len(pairs))]
    else:
        tk = {tuple(r[k] for k in keys): r for r in T}
        sk = {tuple(r[k] for k in keys): r for r in S}
        if len(tk) != len(T):
            diffs.append("%s has duplicate keys" % labels[0])
        ks = lambda k: tuple((v is not None, str(v)) for v in k)  # noqa: E731 (null keys sort first)
        missing = sorted(set(sk) - set(tk), key=ks)
        extra = sorted(set(tk) - set(sk), key=ks)
        if missing:
            diffs.append("missing in %s (%d): %s" % (labels[0], len(missing), missing[:5]))
        if extra:
            diffs.append("extra in %s (%d): %s" % (labels[0], len(extra), extra[:5]))
        common = sorted(set(tk) & set(sk), key=ks)
        pairs = [(tk[k], sk[k]) for k in common]
        rowlabels = ["/".join(map(str, k)) for k in common]
    for lab, (a, b) in zip(rowlabels, pairs):
        for c, t in cols:
            if not same(t, a[c], b[c]):
                diffs.append("%s %s: %s %s, %s %s" % (lab, c, labels[0], show(t, a[c]), labels[1], show(t, b[c])))
    if len(diffs) > limit:
        diffs = diffs[:limit] + ["... %d more" % (len(diffs) - limit)]
    return diffs


def report(name, diffs, nrows):
    if diffs:
        print("FAIL %s: %s" % (name, "; ".join(diffs)))
    elif nrows == 0:
        print("FAIL %s: no rows on either side (the test checks nothing)" % name)
    else:
        print("PASS %s" % name)


def series(name, sj, d, spec, want_asofs):
    """The series property: the rows of the series at each asof are the rows of the
    same query with that ASOF (DIR/<asof>.json), and the asofs are the expected ones."""
    cols = parse_spec(spec)
    rows = load(sj)
    diffs = []
    byasof = {}
    for r in rows:
        if "asof" not in r:
            diffs.append("no asof column")
            break
        byasof.setdefault(r["asof"], []).append({k: v for k, v in r.items() if k != "asof"})
    got = sorted(byasof)
    if got != sorted(want_asofs):
        diffs.append("series asofs %s, want %s" % (got, sorted(want_asofs)))
    n = 0
    for a in want_asofs:
        single = load(os.path.join(d, "%s.json" % a))
        n += len(single)
        for x in compare(byasof.get(a, []), single, cols, True, sides=("tide", "tide"),
                         labels=("series", "asof-query")):
            diffs.append("asof %s: %s" % (a, x))
    report(name, diffs[:8], n)


def main(argv):
    cmd = argv[1]
    if cmd == "addmo":
        print(add_months(int(argv[2]), int(argv[3])))
    elif cmd == "addmo_tz":
        # K calendar months from EPOCH in the wall-clock time of zone TZ
        from zoneinfo import ZoneInfo
        z = ZoneInfo(argv[4])
        t = dt.datetime.fromtimestamp(int(argv[2]), z)
        m0 = t.month - 1 + int(argv[3])
        y, m = t.year + m0 // 12, m0 % 12 + 1
        d = min(t.day, calendar.monthrange(y, m)[1])
        print(int(t.replace(year=y, month=m, day=d).timestamp()))
    elif cmd == "tzkeys":
        # table otz(id, day, week, month, quarter, year): each order's calendar buckets in TZ
        import sqlite3
        from zoneinfo import ZoneInfo
        z = ZoneInfo(argv[3])
        con = sqlite3.connect(argv[2])
        con.execute("DROP TABLE IF EXISTS otz")
        con.execute("CREATE TABLE otz(id PRIMARY KEY, day, week, month, quarter, year)")
        rows = []
        for oid, ts in con.execute("SELECT id, ts FROM o"):
            t = dt.datetime.fromtimestamp(ts, z)
            iy, iw, _ = t.isocalendar()
            rows.append((oid, t.strftime("%Y-%m-%d"), "%04d-W%02d" % (iy, iw), t.strftime("%Y-%m"),
                         "%04d-Q%d" % (t.year, (t.month + 2) // 3), t.strftime("%Y")))
        con.executemany("INSERT INTO otz VALUES (?, ?, ?, ?, ?, ?)", rows)
        con.commit()
    elif cmd == "iso":
        print(iso(int(argv[2])))
    elif cmd == "epoch":
        print(to_epoch(argv[2]))
    elif cmd == "periods":
        T, unit, n = int(argv[2]), argv[3], int(argv[4])
        rows = []
        for k in range(1, n + 1):
            if unit.endswith("mo"):
                m = int(unit[:-2] or 1)
                s, e = add_months(T, -k * m), add_months(T, -(k - 1) * m)
            else:
                p = int(unit) * 86400
                s, e = T - k * p, T - (k - 1) * p
            rows.append("(%d,%d,%d)" % (k, s, e))
        print("INSERT INTO per VALUES %s;" % ",".join(rows))
    elif cmd == "cmp":
        name, tj, sj, spec = argv[2:6]
        ordered = "--ordered" in argv[6:]
        t, s = load(tj), load(sj)
        report(name, compare(t, s, parse_spec(spec), ordered), len(t) + len(s))
    elif cmd == "cmpdir":
        d = argv[2]
        for f in sorted(x for x in os.listdir(d) if x.endswith(".name")):
            c = os.path.join(d, f[:-5])
            name = open(c + ".name").read().strip()
            if os.path.exists(c + ".fail"):
                print("FAIL %s: %s" % (name, open(c + ".fail").read().strip()))
            elif os.path.exists(c + ".spec"):
                try:
                    t, s = load(c + ".t.json"), load(c + ".s.json")
                    ordered = "--ordered" in open(c + ".opts").read().split()
                    report(name, compare(t, s, parse_spec(open(c + ".spec").read().strip()), ordered),
                           len(t) + len(s))
                except Exception as e:  # a malformed answer fails its case, not the script
                    print("FAIL %s: cannot compare: %r" % (name, e))
            elif os.path.exists(c + ".series"):
                a = open(c + ".series").read().split("\n")
                series(name, c + ".t.json", c + ".dir", a[0], a[1].split())
            else:
                print("PASS %s" % name)
    else:
        raise SystemExit("unknown command " + cmd)


if __name__ == "__main__":
    main(sys.argv)
