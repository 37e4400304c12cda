#!/usr/bin/env python3
"""Seed corpora for the libFuzzer targets (scripts/fuzz.sh), derived from the committed test fixtures and
../shared/corpus: BGP messages and TCP segment records cut out of real captures, whole captures, and the
example registry and data-set files.  Usage: fuzz-seeds.py TARGET OUTPUT_DIR"""
import hashlib
import os
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.environ.get("BGPSENTRY_CORPUS", os.path.join(os.path.dirname(ROOT), "shared", "corpus"))
FIXTURES = os.path.join(ROOT, "Tests", "Fixtures")


def capture_files():
    folders = [os.path.join(FIXTURES, d) for d in ("captures", "demo", "leaks")]
    folders += [os.path.join(CORPUS, d) for d in ("pcap", "pcap-malformed")]
    for folder in folders:
        if not os.path.isdir(folder):
            continue
        for name in sorted(os.listdir(folder)):
            if not name.endswith((".tsv", ".txt", ".md", ".scenario")):
                yield os.path.join(folder, name)


def segments(path):
    """(flow key, direction, TCP flags, sequence, time µs, payload) of classic-pcap TCP/179 segments."""
    data = open(path, "rb").read()
    if len(data) < 24:
        return
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        endian = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        endian = ">"
    else:
        return  # pcapng and others: the pipeline target still gets the whole file
    link = struct.unpack(endian + "I", data[20:24])[0] & 0xFFFF
    offset = 24
    while offset + 16 <= len(data):
        sec, usec, caplen, _ = struct.unpack(endian + "IIII", data[offset:offset + 16])
        frame = data[offset + 16:offset + 16 + caplen]
        offset += 16 + caplen
        ip = {1: 14, 113: 16, 276: 20, 101: 0, 12: 0, 228: 0}.get(link)
        if ip is None or len(frame) < ip + 20:
            continue
        if link == 1 and frame[12:14] == b"\x81\x00":
            ip += 4
        version = frame[ip] >> 4
        if version == 4:
            header = (frame[ip] & 0x0F) * 4
            if frame[ip + 9] != 6:
                continue
            src, dst, tcp = frame[ip + 12:ip + 16], frame[ip + 16:ip + 20], ip + header
        elif version == 6:
            if len(frame) < ip + 40 or frame[ip + 6] != 6:
                continue
            src, dst, tcp = frame[ip + 8:ip + 24], frame[ip + 24:ip + 40], ip + 40
        else:
            continue
        if len(frame) < tcp + 20:
            continue
        sport, dport, seq = struct.unpack(">HHI", frame[tcp:tcp + 8])
        if 179 not in (sport, dport):
            continue
        flags = frame[tcp + 13]
        payload = frame[tcp + (frame[tcp + 12] >> 4) * 4:]
        client_first = dport == 179
        key = (src, sport, dst, dport) if client_first else (dst, dport, src, sport)
        yield key, 0 if client_first else 1, flags, seq, sec * 1_000_000 + usec, payload


def bgp_messages(path):
    streams = {}
    for key, direction, _, _, _, payload in segments(path):
        streams.setdefault((key, direction), bytearray()).extend(payload)
    for stream in streams.values():
        i = 0
        while i + 19 <= len(stream) and stream[i:i + 16] == b"\xff" * 16:
            length = struct.unpack(">H", stream[i + 16:i + 18])[0]
            if length < 19 or i + length > len(stream):
                break
            yield bytes(stream[i:i + length])
            i += length


def reassembly_records(path):
    flows, out, last = {}, bytearray(), None
    for key, direction, flags, seq, time, payload in segments(path):
        pair = flows.setdefault(key, len(flows)) & 0x03
        fin_syn_rst = flags & 0x07
        control = pair | (direction << 2) | (fin_syn_rst << 3)
        step = 0 if last is None else min(255, max(0, (time - last) // 10))
        last = time
        payload = payload[:4096]
        out += struct.pack(">BIBH", control, seq, step, len(payload)) + payload
        if len(out) > 60_000:
            break
    return bytes(out)


def whole_records(path, limit=64 * 1024):
    data = open(path, "rb").read()
    return data[:limit]


def seeds(target):
    if target == "bgp-message":
        for path in capture_files():
            for message in bgp_messages(path):
                for selector in (0x01, 0x00, 0x07, 0x09):
                    yield bytes([selector]) + message
        raw = os.path.join(CORPUS, "bgp-raw-malformed")
        if os.path.isdir(raw):
            for name in sorted(os.listdir(raw)):
                yield b"\x01" + open(os.path.join(raw, name), "rb").read()
    elif target == "reassembly":
        for path in capture_files():
            records = reassembly_records(path)
            if records:
                yield records
    elif target == "pipeline":
        for path in capture_files():
            yield whole_records(path)
    elif target == "loaders":
        files = [(0, os.path.join(ROOT, "config", "prefixes.yaml")), (1, os.path.join(FIXTURES, "rpki", "vrps.json")),
                 (2, os.path.join(FIXTURES, "rpki", "local.slurm")), (3, os.path.join(FIXTURES, "leaks", "leaks.as-rel.txt"))]
        for selector, path in files:
            yield bytes([selector]) + open(path, "rb").read()
    else:
        sys.exit(f"unknown target {target}")


def main():
    target, output = sys.argv[1], sys.argv[2]
    os.makedirs(output, exist_ok=True)
    count = 0
    for seed in seeds(target):
        name = hashlib.sha1(seed).hexdigest()
        path = os.path.join(output, name)
        if not os.path.exists(path):
            with open(path, "wb") as f:
                f.write(seed)
            count += 1
    print(f"{target}: {count} new seeds in {output}")


if __name__ == "__main__":
    main()
