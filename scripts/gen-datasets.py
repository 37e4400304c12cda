#!/usr/bin/env python3
"""gen-datasets.py - write the detection data sets (RPKI JSON, AS relationships) for the replay benchmark.

Both files are derived from a capture's decoded table, JSONL = `bgpsentry decode --format jsonl CAPTURE`
('-' = stdin): the UPDATEs' "announced" prefixes, "originASN" and "asPath" (segments {"type","asns"}).
They are built so that they agree with that capture - the data-set replay should measure the cost of the
data sets, not of an alert storm - and are synthetic, not real RPKI or CAIDA data. Python 3 standard
library only. Deterministic: the same JSONL, arguments and --seed give the same file. Statistics and a
self-check (this script's own RFC 6811 / ASPA / valley-free evaluation of the capture) go to stderr.
Used by scripts/bench.sh ($BENCH_DIR/vrps-600k.json, $BENCH_DIR/as-rel-bench.txt).

  gen-datasets.py [--seed S] [--roas N] [--aspas M] [--table-share F] vrps JSONL OUT.json
      rpki-client `-j` layout: {"metadata":{...},"roas":[{"asn","prefix","maxLength","ta":"bench",
      "expires"}],"aspas":[{"customer_asid","expires","providers":[...]}]}, ROAs sorted by prefix,
      ASPA records by customer. Exactly N (default 600,000) distinct (prefix, asn, maxLength) ROAs:
        * exact ROAs: a seeded sample of F (default 0.52) of the announced prefixes, each with its observed
          origin(s) and maxLength = its length (the 1.1 M-prefix bench capture has 1,100,008 distinct
          prefixes: 60% of them would already exceed 600,000, so F = 52% leaves room for the other kinds);
        * covering less-specifics: for sampled prefixes, a ROA for an ancestor 1-4 bits shorter with the
          same origin and maxLength = the sampled prefix's length, only where it makes no announced prefix
          Invalid (every announced prefix inside it has its own exact ROA, or the same origin within
          maxLength) - half of what is left;
        * random extra ROAs (IPv4 /16-/24 in public space, IPv6 /32-/48; 60% maxLength = length) that
          cover no announced prefix, with origins among the capture's ASNs - the rest.
      So no announced route is RPKI-Invalid; about F of them are Valid, the others NotFound.
      M (default 20,000) ASPA records, customers among the ASes seen only as origins in the paths (never
      as a transit or the neighbor), preferring those with at most 3 distinct ASes next to them towards
      the neighbor (~90% of the records): providers = those next ASes (the 3 most frequent) plus, for
      80% of the customers, one random transit AS (1-4 providers). No transit AS has a record, so ASPA
      downstream verification (routes from a neighbor of unknown role) finds no path Invalid.

  gen-datasets.py [--seed S] [--pairs N] as-rel JSONL OUT.txt
      CAIDA serial-2 lines `a|b|rel|bench` (rel -1: a is the provider of b; 0: peers), sorted, after
      `#` comment lines; exactly N (default 500,000) AS pairs:
        * every pair of ASes adjacent in a path (prepends collapsed). Each AS gets a rank - the neighbor(s)
          lowest, then the ASes seen only as origins, then the transit ASes in a seeded random order -
          and the higher-ranked AS of a pair is the provider: the AS closer to the origin is the customer
          for most pairs, and a path is valley-free exactly when its ranks rise then fall (every path
          with at most two transit ASes; the neighbor is the customer of the ASes behind it). About 20%
          of the pairs that only ever appear next to the top of a valley-free path become peers;
        * random extra pairs (seen and random public ASNs; 60% p2c, 40% p2p) that are never adjacent in
          a path, to reach N.
      Random transit orders cannot all be valley-free: expect `route-leak` (valley-free) alerts for the
      registered prefixes whose path is not (the self-check prints the share of paths).
"""
import argparse
import bisect
import collections
import importlib.util
import json
import os
import random
import sys
import time

# Prefix parsing/formatting and the public-space tables are shared with gen-registry.py.
_spec = importlib.util.spec_from_file_location(
    "gen_registry", os.path.join(os.path.dirname(os.path.abspath(__file__)), "gen-registry.py"))
reg = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(reg)

EXPIRES = 1893456000          # 2030-01-01T00:00:00Z
BITS = {4: 32, 6: 128}


def log(msg):
    print(msg, file=sys.stderr)


def fmt_prefix(fam, net, ln):
    return reg.fmt_v4(net, ln) if fam == 4 else reg.fmt_v6(net, ln)


# ------------------------------------------------------------------------------ input ----


def read_capture(jsonl, want_prefixes):
    """-> (prefixes, paths, n_updates).
    prefixes: {(fam, net, len): [origin ASNs]} in first-announcement order ([] = no single origin:
    AS_SET or empty path); only when want_prefixes.
    paths: {collapsed AS_SEQUENCE path (neighbor first, origin last): announced prefixes using it};
    paths with an AS_SET or confederation segment are left out."""
    prefixes = {}
    paths = collections.Counter()
    cache = {}
    n_upd = 0
    src = sys.stdin if jsonl == "-" else open(jsonl, encoding="utf-8")
    with src:
        for line in src:
            if '"UPDATE"' not in line:
                continue
            m = json.loads(line)
            if m.get("type") != "UPDATE":
                continue
            n_upd += 1
            ann = m.get("announced") or ()
            if not ann:
                continue
            seq = []
            for seg in m.get("asPath") or ():
                if seg.get("type") != "AS_SEQUENCE":
                    seq = None
                    break
                for a in seg.get("asns") or ():
                    if not seq or seq[-1] != a:
                        seq.append(a)
            if seq:
                paths[tuple(seq)] += len(ann)
            if not want_prefixes:
                continue
            o = m.get("originASN")
            for p in ann:
                k = cache.get(p)
                if k is None:
                    k = reg.parse_prefix(p)
                    if k is None:
                        continue
                    cache[p] = k
                lst = prefixes.get(k)
                if lst is None:
                    prefixes[k] = [o] if isinstance(o, int) else []
                elif lst and isinstance(o, int):
                    if o not in lst:
                        lst.append(o)
                elif lst:
                    lst.clear()            # one announcement without a single origin: not usable
    return prefixes, paths, n_upd


def path_roles(paths):
    """-> (neighbors, transits, origin_only): ASes first in a path, in the middle, and only ever last."""
    neighbors, transits, last = set(), set(), set()
    for p in paths:
        neighbors.add(p[0])
        transits.update(p[1:-1])
        last.add(p[-1])
    return neighbors, transits - neighbors, last - transits - neighbors


# ------------------------------------------------------------------------------- vrps ----


class Announced:
    """The announced prefixes of one family sorted by network, for 'which announced prefixes lie inside P'."""

    def __init__(self, keys):
        self.items = sorted((k[1], k[2], k) for k in keys)
        self.nets = [it[0] for it in self.items]

    def inside(self, fam, net, ln, limit):
        """Keys of announced prefixes equal to or inside (fam, net, ln); None if more than `limit`."""
        last = net | ((1 << (BITS[fam] - ln)) - 1)
        out = []
        i = bisect.bisect_left(self.nets, net)
        while i < len(self.nets) and self.nets[i] <= last:
            if self.items[i][1] >= ln:
                out.append(self.items[i][2])
                if len(out) > limit:
                    return None
            i += 1
        return out


def rov_counts(prefixes, roas):
    """RFC 6811 over every distinct announced prefix (each origin) -> Counter(valid/invalid/not-found)."""
    index = collections.defaultdict(list)
    lens = {4: set(), 6: set()}
    for fam, net, ln, maxlen, asn in roas:
        index[(fam, net, ln)].append((asn, maxlen))
        lens[fam].add(ln)
    lens = {f: sorted(v) for f, v in lens.items()}
    c = collections.Counter()
    for (fam, net, ln), origins in prefixes.items():
        bits = BITS[fam]
        covered = []
        for L in lens[fam]:
            if L > ln:
                break
            covered.extend(index.get((fam, net & ~((1 << (bits - L)) - 1) & ((1 << bits) - 1), L), ()))
        for o in origins or [None]:
            if not covered:
                c["not-found"] += 1
            elif o is not None and any(a == o and ln <= ml for a, ml in covered):
                c["valid"] += 1
            else:
                c["invalid"] += 1
    return c


def aspa_invalid(path, aspas):
    """ASPA downstream verification (as Sources/Detection/Detectors/ASPALeak.swift): True if Invalid."""
    n = len(path)
    if n < 2:
        return False

    def at(i):                      # 1 = origin ... n = neighbor
        return path[n - i]

    def not_provider(a, b):
        pr = aspas.get(a)
        return pr is not None and b not in pr
    max_up = n
    for i in range(1, n):
        if not_provider(at(i), at(i + 1)):
            max_up = i
            break
    max_down = n
    j = n
    while j > 1:
        if not_provider(at(j), at(j - 1)):
            max_down = n - j + 1
            break
        j -= 1
    return max_up + max_down < n


def cmd_vrps(a):
    t0 = time.time()
    rng = random.Random(a.seed)
    prefixes, paths, n_upd = read_capture(a.jsonl, True)
    t_read = time.time()
    cands = [k for k, o in prefixes.items() if o]
    target = min(int(round(a.table_share * len(cands))), a.roas)
    ann = {f: Announced([k for k in prefixes if k[0] == f]) for f in (4, 6)}
    # A ROA for P makes every announced prefix inside P with another origin Invalid unless that prefix has
    # its own ROA: the sample is closed downwards (a prefix comes with all the announced prefixes inside it).
    order = cands[:]
    rng.shuffle(order)
    sampled = set()
    sample = []
    for k in order:
        if len(sample) >= target:
            break
        if k in sampled:
            continue
        sub = ann[k[0]].inside(k[0], k[1], k[2], 64)
        if sub is None or any(not prefixes[q] for q in sub):
            continue
        new = [q for q in sub if q not in sampled]
        if len(sample) + len(new) > target:
            continue
        sampled.update(new)
        sample.extend(new)
    roas = set()                    # (fam, net, len, maxLength, asn)
    for k in sample:
        for o in prefixes[k]:
            if len(roas) < a.roas:
                roas.add((k[0], k[1], k[2], k[2], o))
    n_exact_roas = len(roas)

    # covering less-specifics, only where no announced prefix becomes Invalid
    want_cov = (a.roas - len(roas)) // 2
    min_len = {4: 8, 6: 19}
    order = sample[:]
    rng.shuffle(order)
    n_cov = tries = 0
    for fam, net, ln in order:
        if n_cov >= want_cov:
            break
        tries += 1
        lc = ln - rng.randint(1, 4)
        if lc < min_len[fam]:
            continue
        bits = BITS[fam]
        cnet = net & ~((1 << (bits - lc)) - 1) & ((1 << bits) - 1)
        o = prefixes[(fam, net, ln)][0]
        roa = (fam, cnet, lc, ln, o)
        if roa in roas:
            continue
        inner = ann[fam].inside(fam, cnet, lc, 64)
        if inner is None or not all(q in sampled or (prefixes[q] == [o] and q[2] <= ln) for q in inner):
            continue
        roas.add(roa)
        n_cov += 1

    # random extra ROAs covering no announced prefix
    asn_pool = sorted(set(x for p in paths for x in p))
    blocks = reg.v4_usable_blocks()
    n_rand = 0
    while len(roas) < a.roas:
        if rng.random() < 0.85:
            fam, bits = 4, 32
            ln = reg.pick_lengths(rng, reg.V4_LEN_W, 1)[0]
            net = (rng.choice(blocks) << 16 | rng.getrandbits(16)) & ~((1 << (32 - ln)) - 1) & 0xFFFFFFFF
        else:
            fam, bits = 6, 128
            ln = reg.pick_lengths(rng, reg.V6_LEN_W, 1)[0]
            top = (rng.choice(reg.V6_TOP16) << 16) | rng.getrandbits(16)
            if top == 0x20010db8:
                continue
            net = (top << 96 | rng.getrandbits(96)) & ~((1 << (128 - ln)) - 1)
        maxlen = ln if rng.random() < 0.6 else rng.randint(ln, 24 if fam == 4 else 48)
        roa = (fam, net, ln, maxlen, rng.choice(asn_pool))
        if roa in roas or ann[fam].inside(fam, net, ln, 0) != []:
            continue
        roas.add(roa)
        n_rand += 1
    roas = sorted(roas)
    t_roas = time.time()

    # ASPA: customers among origin-only ASes; providers = the ASes next to them towards the neighbor
    neighbors, transits, origin_only = path_roles(paths)
    nexts = collections.defaultdict(collections.Counter)
    for p, w in paths.items():
        if p[-1] in origin_only and len(p) > 1:
            nexts[p[-1]][p[-2]] += w
    few = sorted(c for c in origin_only if len(nexts[c]) <= 3)
    many = sorted(c for c in origin_only if len(nexts[c]) > 3)
    n_many = min(len(many), a.aspas // 10)
    n_few = min(len(few), a.aspas - n_many)
    n_many = min(len(many), a.aspas - n_few)
    if n_few + n_many < a.aspas:
        log("vrps: only %d origin-only ASes for %d ASPA records" % (n_few + n_many, a.aspas))
    customers = sorted(rng.sample(few, n_few) + rng.sample(many, n_many))
    transit_pool = sorted(transits | neighbors)
    aspas = {}
    for c in customers:
        prov = [b for b, _ in sorted(nexts[c].items(), key=lambda kv: (-kv[1], kv[0]))[:3]]
        if rng.random() < 0.8:
            x = rng.choice(transit_pool)
            if x != c and x not in prov:
                prov.append(x)
        aspas[c] = sorted(prov)
    t_aspa = time.time()

    out = sys.stdout if a.out == "-" else open(a.out, "w", encoding="utf-8")
    try:
        w = out.write
        meta = {"buildmachine": "gen-datasets.py", "buildtime": "2026-01-01T00:00:00Z",
                "generator": "gen-datasets.py --seed %d --roas %d --aspas %d --table-share %g vrps %s"
                % (a.seed, a.roas, a.aspas, a.table_share, os.path.basename(a.jsonl)),
                "roas": len(roas), "aspas": len(aspas), "vrps": len(roas)}
        w('{"metadata":%s,\n"roas":[\n' % json.dumps(meta, separators=(",", ":")))
        buf = []
        for i, (fam, net, ln, maxlen, asn) in enumerate(roas):
            buf.append('{"asn":%d,"prefix":"%s","maxLength":%d,"ta":"bench","expires":%d}%s\n'
                       % (asn, fmt_prefix(fam, net, ln), maxlen, EXPIRES, "," if i + 1 < len(roas) else ""))
            if len(buf) >= 8192:
                w("".join(buf))
                buf.clear()
        w("".join(buf))
        w('],\n"aspas":[\n')
        w(",\n".join('{"customer_asid":%d,"expires":%d,"providers":[%s]}'
                     % (c, EXPIRES, ",".join(str(p) for p in pr)) for c, pr in aspas.items()))
        w("\n]}\n")
    finally:
        if out is not sys.stdout:
            out.close()

    rov = rov_counts(prefixes, roas)
    n_paths_bad = sum(1 for p in paths if aspa_invalid(p, aspas))
    w_paths_bad = sum(w for p, w in paths.items() if aspa_invalid(p, aspas))
    nprov = collections.Counter(len(v) for v in aspas.values())
    log("vrps: %d UPDATEs, %d announced prefixes (%d with one origin), %d paths; read %.1f s"
        % (n_upd, len(prefixes), len(cands), len(paths), t_read - t0))
    log("vrps: %d ROAs = %d exact (%d sampled prefixes, %.1f%%) + %d covering less-specifics (%d tried)"
        " + %d random extra; %d IPv4, %d IPv6; %.1f s"
        % (len(roas), n_exact_roas, len(sample), 100.0 * len(sample) / max(1, len(cands)), n_cov, tries,
           n_rand, sum(1 for r in roas if r[0] == 4), sum(1 for r in roas if r[0] == 6), t_roas - t_read))
    log("vrps: %d ASPA records (%d customers with <= 3 next ASes, %d with more), providers per record %s;"
        " %d origin-only ASes, %d transit, %d neighbor(s)"
        % (len(aspas), n_few, n_many, dict(sorted(nprov.items())), len(origin_only), len(transits), len(neighbors)))
    log("vrps: self-check, RFC 6811 over the %d distinct announced prefixes: valid %d, invalid %d, not-found %d;"
        " ASPA downstream: %d of %d paths (%d of %d announcements) Invalid"
        % (len(prefixes), rov["valid"], rov["invalid"], rov["not-found"], n_paths_bad, len(paths),
           w_paths_bad, sum(paths.values())))
    log("vrps: -> %s in %.1f s" % (a.out, time.time() - t0))


# ----------------------------------------------------------------------------- as-rel ----


def valley_free_leaker(path, rel):
    """The leaker of `path` (neighbor first) under rel {(lo, hi): (provider or None for peers)}, or None
    (as Sources/Detection/Detectors/ValleyFreeLeak.swift without a BGP Role)."""
    descended = False
    for i in range(len(path) - 1, 0, -1):
        f, t = path[i], path[i - 1]
        r = rel.get((f, t) if f < t else (t, f), 0)
        if r == 0:
            continue                    # unknown
        step = "across" if r is None else ("up" if r == t else "down")
        if descended and step != "down":
            return f
        if step != "up":
            descended = True
    return None


def cmd_as_rel(a):
    t0 = time.time()
    rng = random.Random(a.seed)
    _, paths, n_upd = read_capture(a.jsonl, False)
    t_read = time.time()
    neighbors, transits, origin_only = path_roles(paths)
    rank = {}
    for x in neighbors:
        rank[x] = 0
    for x in origin_only:
        rank[x] = 1
    tr = sorted(transits)
    rng.shuffle(tr)
    for i, x in enumerate(tr):
        rank[x] = 2 + i
    # every adjacent pair: the higher-ranked AS is the provider
    rel = {}                        # (lo, hi) -> provider ASN, or None for peers
    for p in paths:
        for i in range(len(p) - 1):
            x, y = p[i], p[i + 1]
            if x == y:
                continue
            rel[(x, y) if x < y else (y, x)] = x if rank[x] > rank[y] else y
    seen_pairs = len(rel)
    # peers: pairs that only ever sit next to the peak of a valley-free (rise-then-fall) path
    eligible = dict.fromkeys(rel, True)
    peak_pairs = []                 # per valley-free path: its peak-adjacent pairs
    n_vf = 0
    for p in paths:
        r = [rank[x] for x in reversed(p)]          # from the origin
        k = r.index(max(r))
        vf = all(r[i] < r[i + 1] for i in range(k)) and all(r[i] > r[i + 1] for i in range(k, len(r) - 1))
        q = p[::-1]
        adj = set()
        if vf:
            n_vf += 1
            for i in (k - 1, k):
                if 0 <= i < len(q) - 1:
                    x, y = q[i], q[i + 1]
                    adj.add((x, y) if x < y else (y, x))
            peak_pairs.append(adj)
        for i in range(len(q) - 1):
            x, y = q[i], q[i + 1]
            key = (x, y) if x < y else (y, x)
            if key not in adj:
                eligible[key] = False
    chosen = set(k for k in sorted(rel) if eligible[k] and rng.random() < 0.2)
    for adj in peak_pairs:          # at most one across step per path
        both = sorted(adj & chosen)
        if len(both) > 1:
            chosen.discard(both[1])
    for k in chosen:
        rel[k] = None
    # random extra pairs, never adjacent in a path
    pool = sorted(rank)
    extra = 0
    while len(rel) < a.pairs:
        x = rng.choice(pool) if rng.random() < 0.5 else rng.randint(1, 401308)
        y = rng.choice(pool) if rng.random() < 0.5 else rng.randint(1, 401308)
        key = (x, y) if x < y else (y, x)
        if x == y or x == 23456 or y == 23456 or key in rel:
            continue
        rel[key] = (x if rng.random() < 0.5 else y) if rng.random() < 0.6 else None
        extra += 1
    lines = []
    for (lo, hi), prov in rel.items():
        if prov is None:
            lines.append((lo, hi, 0))
        else:
            lines.append((prov, hi if prov == lo else lo, -1))
    lines.sort()
    leaks = collections.Counter()
    w_leak = 0
    for p, w in paths.items():
        if valley_free_leaker(p, rel) is not None:
            leaks["paths"] += 1
            w_leak += w
    directed = set((p[i], p[i + 1]) for p in paths for i in range(len(p) - 1))   # (towards neighbor, towards origin)
    closer_customer = sum(1 for x, y in directed if rel[(x, y) if x < y else (y, x)] == x)
    n_nb = sum(1 for x, y in directed if x in neighbors)
    n_p2c = sum(1 for v in rel.values() if v is not None)
    out = sys.stdout if a.out == "-" else open(a.out, "w", encoding="utf-8")
    try:
        out.write("# synthetic serial-2 AS relationships for the replay benchmark (not CAIDA data):\n"
                  "# gen-datasets.py --seed %d --pairs %d as-rel %s\n"
                  "# <provider-as>|<customer-as>|-1|bench or <peer-as>|<peer-as>|0|bench\n"
                  "# %d pairs adjacent in the capture's paths (%d peers), %d random extra pairs\n"
                  % (a.seed, a.pairs, os.path.basename(a.jsonl), seen_pairs, len(chosen), extra))
        buf = []
        for x, y, r in lines:
            buf.append("%d|%d|%d|bench\n" % (x, y, r))
            if len(buf) >= 8192:
                out.write("".join(buf))
                buf.clear()
        out.write("".join(buf))
    finally:
        if out is not sys.stdout:
            out.close()
    log("as-rel: %d UPDATEs, %d paths; %d neighbor(s), %d transit, %d origin-only ASes; read %.1f s"
        % (n_upd, len(paths), len(neighbors), len(transits), len(origin_only), t_read - t0))
    log("as-rel: %d pairs = %d adjacent in paths (%d peers, %d eligible) + %d random extra; %d p2c, %d p2p lines"
        % (len(rel), seen_pairs, len(chosen), sum(eligible.values()), extra, n_p2c, len(rel) - n_p2c))
    log("as-rel: self-check: the AS closer to the origin is the customer in %d of the %d adjacent pairs (%.1f%%;"
        " %d pairs with the neighbor, its providers); valley-free by rank: %d of %d paths; leaks (valley-free"
        " rule): %d of %d paths, %d of %d announcements"
        % (closer_customer, len(directed), 100.0 * closer_customer / max(1, len(directed)), n_nb, n_vf,
           len(paths), leaks["paths"], len(paths), w_leak, sum(paths.values())))
    log("as-rel: -> %s in %.1f s" % (a.out, time.time() - t0))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--roas", type=int, default=600000, help="vrps: number of ROAs (default 600000)")
    ap.add_argument("--aspas", type=int, default=20000, help="vrps: number of ASPA records (default 20000)")
    ap.add_argument("--table-share", type=float, default=0.52,
                    help="vrps: share of the announced prefixes given an exact ROA (default 0.52)")
    ap.add_argument("--pairs", type=int, default=500000, help="as-rel: number of AS pairs (default 500000)")
    sub = ap.add_subparsers(dest="mode", required=True)
    v = sub.add_parser("vrps", help="rpki-client -j JSON: ROAs and ASPA records agreeing with the capture")
    v.add_argument("jsonl", metavar="JSONL")
    v.add_argument("out", metavar="OUT.json")
    r = sub.add_parser("as-rel", help="CAIDA serial-2 AS relationships covering the capture's paths")
    r.add_argument("jsonl", metavar="JSONL")
    r.add_argument("out", metavar="OUT.txt")
    a = ap.parse_args()
    if a.roas < 0 or a.aspas < 0 or a.pairs < 0 or not 0 <= a.table_share <= 1:
        ap.error("counts must be >= 0 and --table-share within 0..1")
    if a.mode == "vrps":
        cmd_vrps(a)
    else:
        cmd_as_rel(a)


if __name__ == "__main__":
    main()
