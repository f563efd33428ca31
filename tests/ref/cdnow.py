#!/usr/bin/env python3
"""Reference checks of tide's customer-base models on the CDNOW sample (python3 stdlib).

  cdnow.py ORDERS.csv PARAMS.json CUSTOMERS.json

ORDERS.csv is tests/data/cdnow_sample_orders.csv; PARAMS.json is tide's answer to the
bgnbd()/gg() query, CUSTOMERS.json its per-customer p_alive/expected_orders/expected_spend/clv,
all ASOF '1997-10-01'.  The formulas are written here from the papers, independently of
tide: BG/NBD from Fader, Hardie & Lee (2005) eqs. 6, 10 and 13; gamma-gamma from Fader &
Hardie (2013), note 025.  Prints one PASS/FAIL line per check.
"""
import csv
import datetime as dt
import json
import math
import sys

ASOF = dt.date(1997, 10, 1)
PUBLISHED = {"r": 0.2426, "alpha": 4.414, "a": 0.793, "b": 2.426, "ll": -9582.43}
BTYD = (0.2425982, 4.4136842, 0.7929899, 2.4261667)  # full-precision published fit
GG_PUBLISHED = {"p": 6.25, "q": 3.74, "gamma": 15.44}


def summaries(path):
    """customer -> (x, t_x, T_c, zbar) from orders (amount >= 0) before ASOF, same-day
    orders merged into one purchase; times in weeks of whole UTC days."""
    days = {}
    with open(path) as f:
        for row in csv.DictReader(f):
            d = dt.date.fromisoformat(row["ts"][:10])
            a = float(row["amount"])
            if d >= ASOF or a < 0:
                continue
            c = days.setdefault(row["customer"], {})
            c[d] = c.get(d, 0.0) + a
    last_day = ASOF - dt.timedelta(days=1)
    out = {}
    for cust, dd in days.items():
        ds = sorted(dd)
        x = len(ds) - 1
        t_x = (ds[-1] - ds[0]).days / 7.0
        T = (last_day - ds[0]).days / 7.0
        zbar = sum(dd[d] for d in ds[1:]) / x if x else 0.0
        out[cust] = (x, t_x, T, zbar)
    return out


def lbeta(a, b):
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


def bg_ll1(r, alpha, a, b, x, tx, T):
    """log of FHL (2005) eq. 6 for one customer"""
    base = math.lgamma(r + x) - math.lgamma(r) + r * math.log(alpha)
    l1 = lbeta(a, b + x) - lbeta(a, b) + base - (r + x) * math.log(alpha + T)
    if x == 0:
        return l1
    l2 = lbeta(a + 1, b + x - 1) - lbeta(a, b) + base - (r + x) * math.log(alpha + tx)
    m = max(l1, l2)
    return m + math.log(math.exp(l1 - m) + math.exp(l2 - m))


def bg_ll(params, data):
    return sum(bg_ll1(*params, *v[:3]) for v in data.values())


def hyp2f1(a, b, c, z):
    term, s, k = 1.0, 1.0, 0
    while True:
        term *= (a + k) * (b + k) / ((c + k) * (k + 1)) * z
        s += term
        k += 1
        if abs(term) < 1e-17 * abs(s) or k > 100000:
            return s


def p_alive(r, alpha, a, b, x, tx, T):
    if x == 0:
        return 1.0
    return 1.0 / (1.0 + a / (b + x - 1) * ((alpha + T) / (alpha + tx)) ** (r + x))


def expected(r, alpha, a, b, x, tx, T, t):
    """FHL (2005) eq. 10: E[Y(t) | x, t_x, T]"""
    if t <= 0:
        return 0.0
    num = (a + b + x - 1) / (a - 1) * (
        1 - ((alpha + T) / (alpha + T + t)) ** (r + x)
        * hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t)))
    den = 1.0
    if x > 0:
        den += a / (b + x - 1) * ((alpha + T) / (alpha + tx)) ** (r + x)
    return num / den


def gg_ll(p, q, g, data):
    ll = 0.0
    for x, _, _, z in data.values():
        if x == 0:
            continue
        ll += (math.lgamma(p * x + q) - math.lgamma(p * x) - math.lgamma(q) + q * math.log(g)
               + (p * x - 1) * math.log(z) + p * x * math.log(x) - (p * x + q) * math.log(g + x * z))
    return ll


def gg_spend(p, q, g, x, z):
    return (g + x * z) * p / (p * x + q - 1)


def report(name, ok, detail):
    print(("PASS %s" % name) if ok else ("FAIL %s: %s" % (name, detail)))


def close(a, b, rel, absol=0.0):
    return a is not None and abs(a - b) <= max(absol, rel * abs(b))


def main():
    data = summaries(sys.argv[1])
    P = json.load(open(sys.argv[2]))[0]
    rows = {r["customer"]: r for r in json.load(open(sys.argv[3]))}

    # the reference itself, against the facts of SOURCE.md
    sx = sum(v[0] for v in data.values())
    n0 = sum(1 for v in data.values() if v[0] == 0)
    zb = [v[3] for v in data.values() if v[0] > 0]
    ll_pub = bg_ll(BTYD, data)
    ok = (len(data) == 2357 and sx == 2457 and n0 == 1411 and abs(sum(zb) / len(zb) - 35.0778) < 1e-4
          and abs(ll_pub + 9582.4292) < 1e-3)
    report("cdnow_reference_self_check", ok,
           "customers %d sum x %d x=0 %d mean zbar %.4f ll(BTYD) %.4f" % (len(data), sx, n0, sum(zb) / len(zb), ll_pub))

    # BG/NBD parameters vs the published fit
    bad = ["%s: tide %r, published %r" % (k, P.get(k), v) for k, v in PUBLISHED.items()
           if not close(P.get(k), v, 1e-3)]
    report("cdnow_bgnbd_published", not bad, "; ".join(bad))
    theta = (P["r"], P["alpha"], P["a"], P["b"])
    ll_tide = bg_ll(theta, data)
    report("cdnow_bgnbd_ll_consistent", close(P["ll"], ll_tide, 1e-9),
           "tide ll %r, log-likelihood at tide's parameters %r" % (P["ll"], ll_tide))
    # a maximum: no better than rounding noise at the published point or nearby
    worse = []
    if ll_pub > ll_tide + 1e-6:
        worse.append("published parameters give %r > %r" % (ll_pub, ll_tide))
    for i in range(4):
        for s in (1 + 1e-3, 1 - 1e-3):
            th = list(theta)
            th[i] *= s
            v = bg_ll(th, data)
            if v > ll_tide + 1e-6:
                worse.append("param %d x %g gives %r > %r" % (i, s, v, ll_tide))
    report("cdnow_bgnbd_is_maximum", not worse, "; ".join(worse[:3]))

    # gamma-gamma
    bad = ["%s: tide %r, published %r" % (k, P.get("g" if k == "gamma" else k), v)
           for k, v in GG_PUBLISHED.items() if not close(P.get("g" if k == "gamma" else k), v, 1e-2)]
    report("cdnow_gg_published", not bad, "; ".join(bad))
    gth = (P["p"], P["q"], P["g"])
    gll = gg_ll(*gth, data)
    report("cdnow_gg_ll_consistent", close(P["gll"], gll, 1e-9),
           "tide gg ll %r, log-likelihood at tide's parameters %r" % (P["gll"], gll))
    worse = []
    for i in range(3):
        for s in (1 + 1e-3, 1 - 1e-3):
            th = list(gth)
            th[i] *= s
            v = gg_ll(*th, data)
            if v > gll + 1e-6:
                worse.append("param %d x %g gives %r > %r" % (i, s, v, gll))
    report("cdnow_gg_is_maximum", not worse, "; ".join(worse[:3]))

    # per customer, at tide's fitted parameters
    missing = sorted(set(data) - set(rows))
    extra = sorted(set(rows) - set(data))
    report("cdnow_model_scope", not missing and not extra,
           "missing %s extra %s" % (missing[:5], extra[:5]))
    for col, name, fn in (
            ("pa", "cdnow_p_alive", lambda v: p_alive(*theta, *v[:3])),
            ("eo", "cdnow_expected_orders_39w", lambda v: expected(*theta, *v[:3], 39.0)),
            ("e90", "cdnow_expected_orders_90d", lambda v: expected(*theta, *v[:3], 90 / 7.0)),
            ("es", "cdnow_expected_spend", lambda v: gg_spend(*gth, v[0], v[3])),
            ("clv", "cdnow_clv_12mo_1pct", lambda v: sum(
                (expected(*theta, *v[:3], 30 * k / 7.0) - expected(*theta, *v[:3], 30 * (k - 1) / 7.0))
                * gg_spend(*gth, v[0], v[3]) / 1.01 ** k for k in range(1, 13)))):
        bad = []
        for c in sorted(set(data) & set(rows), key=int):
            want = fn(data[c])
            got = rows[c].get(col)
            if not close(got, want, 1e-7, 1e-12):
                bad.append("customer %s: tide %r, want %r (x=%d t_x=%.4f T=%.4f)" % (c, got, want, *data[c][:3]))
        report(name, not bad, "%d differ; %s" % (len(bad), "; ".join(bad[:3])))


if __name__ == "__main__":
    main()
