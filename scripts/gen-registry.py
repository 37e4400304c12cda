#!/usr/bin/env python3
"""gen-registry.py - write BGPSentry registries (prefixes.yaml) for benchmarks and tests.

Schema: docs/DETECTION.md, "The registry" (version, monitoredASNs, asns, partners, prefixes
with prefix / origins / maxLength / group). Python 3 standard library only. Deterministic:
the same arguments and --seed give the same file.

  gen-registry.py [--seed S] [--sorted] synthetic N OUT.yaml
      N distinct prefixes that do not overlap each other (no prefix inside another):
      ~85% IPv4 /16../24 and ~15% IPv6 /32../48, host bits clear, spread over the public
      unicast space (no 0/8, 10/8, 100.64/10, 127/8, 169.254/16, 172.16/12, 192.0/16,
      192.88/16, 192.168/16, 198.18/15, 198.51/16, 203.0/16, 224/3; no 2001:db8::/32).
      For registry load-time benchmarks (100k, 1M entries). Entries come in random order
      (--sorted: by address, IPv4 first).

  gen-registry.py [--seed S] from-table N JSONL OUT.yaml
      JSONL = `bgpsentry decode --format jsonl CAPTURE` ('-' = stdin). Picks N prefixes
      announced in the capture and registers each with its observed origin and
      maxLength = its own length, chosen so that the registry cannot cause a true alert on
      that capture. A prefix is skipped when it
        * was announced with more than one origin ASN, or with no single origin (AS_SET, empty path),
        * was ever withdrawn (explicit withdraw -> would be a `withdrawn` alert),
        * overlaps any other prefix announced or withdrawn in the capture (one inside the other;
          with --allow-covered only a prefix with another one inside it is skipped),
        * was announced with an OTC attribute (RFC 9234) anywhere.
      Output: version: 1, monitoredASNs: [] and the picked prefixes (group: from-table),
      in first-announcement order. No partners, upstreams or maxPathLength, so neither
      route-leak partner-policy, path-hijack nor suboptimal-path can fire either.

  gen-registry.py merge BASE.yaml EXTRA.yaml OUT.yaml
      BASE.yaml verbatim (comments, version, monitoredASNs, asns, partners and its prefixes)
      with EXTRA.yaml's prefix entries appended to BASE's `prefixes:` list (re-indented to
      BASE's item indentation). EXTRA's other keys are ignored. An EXTRA entry is dropped when
      its prefix equals, contains or lies inside a BASE prefix, or repeats an earlier EXTRA
      prefix. E.g. config/prefixes.yaml + a from-table registry = the replay benchmark registry.
"""
import argparse
import ipaddress
import json
import random
import socket
import sys
import time

# ----------------------------------------------------------------------------- output ----


def fmt_v4(net, ln):
    return "%d.%d.%d.%d/%d" % (net >> 24, (net >> 16) & 255, (net >> 8) & 255, net & 255, ln)


def fmt_v6(net, ln):
    return "%s/%d" % (ipaddress.IPv6Address(net).compressed, ln)


def write_registry(path, header_lines, entries):
    """entries: iterable of (prefix_text, origins list, maxLength, group)."""
    out = sys.stdout if path == "-" else open(path, "w", encoding="utf-8")
    n = 0
    try:
        w = out.write
        for h in header_lines:
            w(h + "\n")
        buf = []
        for pfx, origins, maxlen, group in entries:
            if n == 0:
                buf.append("prefixes:\n")
            buf.append("  - prefix: %s\n    origins: [%s]\n    maxLength: %d\n    group: %s\n"
                       % (pfx, ", ".join(str(o) for o in origins), maxlen, group))
            n += 1
            if len(buf) >= 8192:
                w("".join(buf))
                buf.clear()
        if n == 0:
            buf.append("prefixes: []\n")   # an empty block would make 'prefixes' null, not a list
        w("".join(buf))
    finally:
        if out is not sys.stdout:
            out.close()
    return n


# -------------------------------------------------------------------------- synthetic ----

# IPv4 lengths (weights): /24-heavy like the real table, /16../24 only.
V4_LEN_W = [(24, 60), (23, 9), (22, 11), (21, 6), (20, 6), (19, 3), (18, 2), (17, 1.5), (16, 1.5)]
# IPv6 lengths /32../48.
V6_LEN_W = [(48, 45), (32, 20), (44, 8), (40, 8), (36, 6), (46, 2), (47, 2), (33, 1.5), (34, 1.5),
            (35, 1), (42, 2), (38, 1), (45, 1), (41, 1)]
V4_RESERVED = ["0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
               "192.0.0.0/16", "192.88.0.0/16", "192.168.0.0/16", "198.18.0.0/15", "198.51.0.0/16",
               "203.0.0.0/16", "224.0.0.0/3"]
V6_TOP16 = ([0x2001] + list(range(0x2400, 0x2410)) + list(range(0x2600, 0x2610)) +
            list(range(0x2800, 0x2804)) + list(range(0x2a00, 0x2a14)) + [0x2c0f])


def v4_usable_blocks():
    """All /16 blocks (as 16-bit numbers: first two octets) outside the reserved ranges."""
    bad = bytearray(65536)
    for r in V4_RESERVED:
        net = ipaddress.ip_network(r)
        start = int(net.network_address) >> 16
        for b in range(start, start + max(1, net.num_addresses >> 16)):
            bad[b] = 1
    return [b for b in range(65536) if not bad[b]]


def pick_lengths(rng, pairs, k):
    vals = [p[0] for p in pairs]
    wts = [p[1] for p in pairs]
    return rng.choices(vals, weights=wts, k=k)


def synthetic_v4(rng, n):
    """n non-overlapping IPv4 prefixes /16../24.

    Prefix sizes (plus random 'gap' chunks, so the space is not packed) are allocated in
    descending size order along a virtual address line, which keeps every chunk aligned
    with no waste; each virtual /16 is then mapped to a random real /16 and scrambled
    inside it with an XOR that keeps chunks aligned and disjoint."""
    if n == 0:
        return []
    blocks = v4_usable_blocks()
    rng.shuffle(blocks)
    cap = len(blocks) << 16
    lens = pick_lengths(rng, V4_LEN_W, n)
    used = sum(1 << (32 - ln) for ln in lens)
    # gaps: three times the prefixes' space (prefixes fill ~25% of a used /16), at most up to 90% of the space
    gap_budget = min(3 * used, int(cap * 0.9) - used)
    if used > cap:
        sys.exit("synthetic: %d IPv4 prefixes do not fit in the usable IPv4 space" % n)
    items = [(ln, True) for ln in lens]
    g = 0
    for ln in (pick_lengths(rng, V4_LEN_W, 3 * n) if gap_budget > 0 else ()):
        size = 1 << (32 - ln)
        if g + size > gap_budget:
            break
        g += size
        items.append((ln, False))
    rng.shuffle(items)
    items.sort(key=lambda it: it[0])  # stable: shortest length (biggest chunk) first, random mix within
    scramble = [rng.getrandbits(8) << 8 for _ in range(len(blocks))]
    out = []
    cursor = 0
    for ln, real in items:
        size = 1 << (32 - ln)
        if real:
            vb = cursor >> 16
            off = cursor & 0xFFFF
            off ^= scramble[vb] & ~(size - 1) & 0xFFFF
            out.append(((blocks[vb] << 16) | off, ln))
        cursor += size
    return out


def synthetic_v6(rng, n):
    """n IPv6 prefixes /32../48, each in its own /32 (so none overlaps another)."""
    seen = set()
    tops = []
    while len(tops) < n:
        t = (rng.choice(V6_TOP16) << 16) | rng.getrandbits(16)
        if t == 0x20010db8 or t in seen:
            continue
        seen.add(t)
        tops.append(t)
    lens = pick_lengths(rng, V6_LEN_W, n)
    out = []
    for t, ln in zip(tops, lens):
        sub = rng.getrandbits(ln - 32) << (128 - ln) if ln > 32 else 0
        out.append(((t << 96) | sub, ln))
    return out


def cmd_synthetic(a):
    rng = random.Random(a.seed)
    n = a.count
    n6 = int(round(n * 0.15))
    n4 = n - n6
    t0 = time.time()
    v4 = synthetic_v4(rng, n4)
    v6 = synthetic_v6(rng, n6)
    # origin pool: 2-byte and 4-byte public ASNs (no documentation / private ASNs)
    pool = set()
    pool_size = max(16, min(70000, n // 10))
    while len(pool) < pool_size:
        x = rng.randint(131072, 401308) if rng.random() < 0.3 else rng.randint(1, 64495)
        if x != 23456:
            pool.add(x)
    pool = sorted(pool)
    groups = ["bench-%02d" % i for i in range(16)]
    entries = []
    for fam, lst in ((4, v4), (6, v6)):
        maxbits = 24 if fam == 4 else 48
        for net, ln in lst:
            origins = [rng.choice(pool)]
            if rng.random() < 0.05:
                o2 = rng.choice(pool)
                if o2 != origins[0]:
                    origins = sorted(origins + [o2])
            maxlen = ln if rng.random() < 0.6 else rng.randint(ln, maxbits)
            entries.append((fam, net, ln, origins, maxlen, rng.choice(groups)))
    if a.sorted:
        entries.sort(key=lambda e: (e[0], e[1], e[2]))
    else:
        rng.shuffle(entries)
    asn_names = pool[:8]
    header = [
        "# synthetic benchmark registry: gen-registry.py --seed %d synthetic %d" % (a.seed, n),
        "# %d IPv4 (/16-/24) + %d IPv6 (/32-/48) prefixes, none overlapping another" % (len(v4), len(v6)),
        "version: 1",
        "monitoredASNs: []",
        "asns:",
    ] + ["  %d: Bench AS %d" % (x, x) for x in asn_names] + [
        "partners:",
        "  - asn: %d" % asn_names[0],
        "    name: Bench Partner A",
        "    customers: [%s]" % ", ".join(str(x) for x in asn_names[1:4]),
        "  - asn: %d" % asn_names[4],
        "    name: Bench Partner B",
    ]
    fmt = {4: fmt_v4, 6: fmt_v6}
    written = write_registry(a.out, header,
                             ((fmt[f](net, ln), o, ml, g) for f, net, ln, o, ml, g in entries))
    print("synthetic: %d prefixes (%d IPv4, %d IPv6) -> %s in %.1f s"
          % (written, len(v4), len(v6), a.out, time.time() - t0), file=sys.stderr)


# ------------------------------------------------------------------------- from-table ----


def parse_prefix(text):
    """'a.b.c.d/n' or IPv6 'x::/n' -> (family, int network with host bits cleared, length); None if bad."""
    try:
        addr, ln = text.split("/")
        ln = int(ln)
        if ":" in addr:
            if not 0 <= ln <= 128:
                return None
            v = int.from_bytes(socket.inet_pton(socket.AF_INET6, addr), "big")
            return (6, v & ~((1 << (128 - ln)) - 1), ln)
        if not 0 <= ln <= 32:
            return None
        v = int.from_bytes(socket.inet_aton(addr), "big")
        return (4, v & ~((1 << (32 - ln)) - 1), ln)
    except (ValueError, OSError):
        return None


def overlapping(keys):
    """keys: set of (fam, net, len). Returns (outer, inner): the keys that contain another key,
    and the keys that lie inside another key."""
    outer, inner = set(), set()
    for fam, bits in ((4, 32), (6, 128)):
        lst = sorted(k for k in keys if k[0] == fam)          # by network, then shorter first
        stack = []  # open (nested) ranges: (last address, key)
        for k in lst:
            _, net, ln = k
            while stack and stack[-1][0] < net:
                stack.pop()
            if stack:
                outer.add(stack[-1][1])   # the enclosing prefix (its own ancestors were marked already)
                inner.add(k)
            stack.append((net | ((1 << (bits - ln)) - 1), k))
    return outer, inner


def cmd_from_table(a):
    t0 = time.time()
    origin = {}      # key -> origin ASN, or None when unusable (several origins, AS_SET, OTC)
    order = {}       # key -> first announcement index
    withdrawn = set()
    all_keys = set()
    cache = {}
    n_upd = 0

    def key_of(text):
        k = cache.get(text)
        if k is None:
            k = parse_prefix(text)
            cache[text] = k
        return k

    src = sys.stdin if a.jsonl == "-" else open(a.jsonl, encoding="utf-8")
    with src:
        for line in src:
            if '"UPDATE"' not in line:
                continue
            m = json.loads(line)
            if m.get("type") != "UPDATE":
                continue
            n_upd += 1
            for p in m.get("withdrawn") or ():
                k = key_of(p)
                if k is not None:
                    withdrawn.add(k)
                    all_keys.add(k)
            ann = m.get("announced") or ()
            if not ann:
                continue
            o = m.get("originASN")
            usable = isinstance(o, int) and m.get("otc") is None
            for p in ann:
                k = key_of(p)
                if k is None:
                    continue
                all_keys.add(k)
                if k not in order:
                    order[k] = len(order)
                    origin[k] = o if usable else None
                elif origin[k] is not None and (not usable or origin[k] != o):
                    origin[k] = None
    t_read = time.time()
    outer, inner = overlapping(all_keys)
    bad = outer if a.allow_covered else outer | inner
    cand = [k for k in order if origin[k] is not None and k not in withdrawn and k not in bad]
    stats = {
        "updates": n_upd, "announced": len(order),
        "multi_origin": sum(1 for k in order if origin[k] is None),
        "withdrawn": sum(1 for k in order if k in withdrawn),
        "with-more-specifics": sum(1 for k in order if k in outer),
        "covered": sum(1 for k in order if k in inner),
        "eligible": len(cand),
    }
    rng = random.Random(a.seed)
    if a.count >= len(cand):
        pick = cand
        if a.count > len(cand):
            print("from-table: only %d eligible prefixes, fewer than %d" % (len(cand), a.count), file=sys.stderr)
    else:
        pick = rng.sample(cand, a.count)
        pick.sort(key=order.__getitem__)
    header = [
        "# registry from observed routes: gen-registry.py --seed %d%s from-table %d %s"
        % (a.seed, " --allow-covered" if a.allow_covered else "", a.count, a.jsonl),
        "# %d of %d eligible prefixes (single origin, never withdrawn, no OTC, no other announced or withdrawn"
        % (len(pick), len(cand)),
        "# prefix inside it%s); maxLength = prefix length. Registering them raises no true alert."
        % ("" if a.allow_covered else " and none covering it"),
        "version: 1",
        "monitoredASNs: []",
    ]
    fmt = {4: fmt_v4, 6: fmt_v6}
    written = write_registry(a.out, header,
                             ((fmt[k[0]](k[1], k[2]), [origin[k]], k[2], "from-table") for k in pick))
    print("from-table: %s; wrote %d prefixes (%d IPv4, %d IPv6) -> %s; read %.1f s, total %.1f s"
          % (", ".join("%s %d" % kv for kv in stats.items()), written,
             sum(1 for k in pick if k[0] == 4), sum(1 for k in pick if k[0] == 6),
             a.out, t_read - t0, time.time() - t0), file=sys.stderr)


# ------------------------------------------------------------------------------ merge ----


def registry_prefix_items(lines):
    """lines of a registry -> (start, end, item_indent, items) for its top-level `prefixes:` block:
    start = index of the `prefixes:` line, end = index after the block's last item line (before
    any trailing blank/comment lines), item_indent = the indentation of '- ' (None when no item),
    items = [(prefix text or None, [lines of the item])]."""
    start = None
    for i, ln in enumerate(lines):
        if ln.startswith("prefixes:"):
            start = i
            break
    if start is None:
        return None, None, None, []
    items, cur, indent, end = [], None, None, start + 1
    for i in range(start + 1, len(lines)):
        ln = lines[i]
        body = ln.strip()
        if ln[:1] not in (" ", "\t", "-", "") and ln.strip() and not ln.startswith("#"):
            break                                   # next top-level key
        if not body or body.startswith("#"):
            if cur is not None and body.startswith("#") and (len(ln) - len(ln.lstrip())) > indent:
                cur[1].append(ln)                   # comment inside an item
            continue
        lead = len(ln) - len(ln.lstrip())
        if body.startswith("- ") and (indent is None or lead == indent):
            indent = lead
            m = body[2:].strip()
            pfx = m.split(":", 1)[1].split("#", 1)[0].strip() if m.startswith("prefix:") else None
            cur = [pfx, [ln]]
            items.append(cur)
        elif cur is not None:
            cur[1].append(ln)
            if body.startswith("prefix:") and cur[0] is None:
                cur[0] = body.split(":", 1)[1].split("#", 1)[0].strip()
        end = i + 1
    return start, end, indent, [(p, ls) for p, ls in items]


def cmd_merge(a):
    t0 = time.time()
    with open(a.base, encoding="utf-8") as f:
        base = f.read().split("\n")
    with open(a.extra, encoding="utf-8") as f:
        extra = f.read().split("\n")
    b_start, b_end, b_indent, b_items = registry_prefix_items(base)
    _, _, e_indent, e_items = registry_prefix_items(extra)
    if b_start is None:
        sys.exit("merge: %s has no top-level 'prefixes:' key" % a.base)
    if b_indent is None:
        b_indent = 2
    base_keys = []
    for p, _ in b_items:
        k = parse_prefix(p or "")
        if k is None:
            sys.exit("merge: %s: cannot parse prefix %r" % (a.base, p))
        base_keys.append(k)
    # which EXTRA prefixes overlap a BASE prefix: reuse overlapping() on BASE + one EXTRA key at a
    # time would be quadratic; BASE is small, so test each EXTRA key against every BASE key.
    bits = {4: 32, 6: 128}

    def inside(k, outer):   # k lies in (or equals) outer
        return k[0] == outer[0] and k[2] >= outer[2] and (k[1] >> (bits[k[0]] - outer[2])) == (outer[1] >> (bits[k[0]] - outer[2]))
    kept, seen = [], set()
    n_overlap = n_dup = 0
    for p, ls in e_items:
        k = parse_prefix(p or "")
        if k is None:
            sys.exit("merge: %s: cannot parse prefix %r" % (a.extra, p))
        if any(inside(k, b) or inside(b, k) for b in base_keys):
            n_overlap += 1
            continue
        if k in seen:
            n_dup += 1
            continue
        seen.add(k)
        shift = b_indent - (e_indent or 0)
        kept.append([(" " * shift + l) if shift > 0 else l[-shift:] if shift < 0 else l for l in ls])
    if base[b_start].split("#", 1)[0].strip() != "prefixes:":
        if base[b_start].split("#", 1)[0].split(":", 1)[1].strip() != "[]" or b_items:
            sys.exit("merge: %s: 'prefixes:' must be a block list (or [])" % a.base)
        base[b_start] = "prefixes:"                 # 'prefixes: []' -> block list
    note = ("%s# -- %d entries merged from %s (gen-registry.py merge; %d dropped: overlap a prefix above, %d duplicates) --"
            % (" " * b_indent, len(kept), a.extra, n_overlap, n_dup))
    out_lines = (["# merged registry: gen-registry.py merge %s %s" % (a.base, a.extra)] + base[:b_end] + [note]
                 + [l for ls in kept for l in ls] + base[b_end:])
    out = sys.stdout if a.out == "-" else open(a.out, "w", encoding="utf-8")
    try:
        out.write("\n".join(out_lines))
        if out_lines[-1] != "":
            out.write("\n")
    finally:
        if out is not sys.stdout:
            out.close()
    print("merge: %d base prefixes + %d of %d extra (%d dropped: overlap a base prefix, %d duplicates) -> %s in %.1f s"
          % (len(b_items), len(kept), len(e_items), n_overlap, n_dup, a.out, time.time() - t0), file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--sorted", action="store_true", help="synthetic: write entries sorted by address")
    ap.add_argument("--allow-covered", action="store_true",
                    help="from-table: also pick prefixes that a less-specific announced prefix covers "
                         "(still none with a more-specific inside). No alert rule fires for a registered "
                         "prefix R on an announcement that covers R, but the default skips any overlap.")
    sub = ap.add_subparsers(dest="mode", required=True)
    s = sub.add_parser("synthetic", help="N non-overlapping synthetic prefixes")
    s.add_argument("count", type=int, metavar="N")
    s.add_argument("out", metavar="OUT.yaml")
    f = sub.add_parser("from-table", help="N prefixes observed in a capture (bgpsentry decode --format jsonl)")
    f.add_argument("count", type=int, metavar="N")
    f.add_argument("jsonl", metavar="JSONL")
    f.add_argument("out", metavar="OUT.yaml")
    m = sub.add_parser("merge", help="BASE.yaml with EXTRA.yaml's prefix entries appended (overlaps dropped)")
    m.add_argument("base", metavar="BASE.yaml")
    m.add_argument("extra", metavar="EXTRA.yaml")
    m.add_argument("out", metavar="OUT.yaml")
    a = ap.parse_args()
    if a.mode == "merge":
        cmd_merge(a)
        return
    if a.count < 0:
        ap.error("N must be >= 0")
    if a.mode == "synthetic":
        cmd_synthetic(a)
    else:
        cmd_from_table(a)


if __name__ == "__main__":
    main()
