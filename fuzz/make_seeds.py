#!/usr/bin/env python3
"""Writes a small seed corpus for the frame fuzz targets: one valid frame of every
message kind (frame_decode) or several frames back to back (frame_stream).

Usage: make_seeds.py TARGET DIR

The frames are postcard written by hand, mirroring core/src/sync/proto.rs and
log.rs (variants numbered in declaration order, unsigned ints as LEB128 varints,
i64 zigzag, strings and Vecs length-prefixed, Option as 0/1, arrays raw). If the
protocol changes these may stop decoding; the fuzzer still works, only slower to
find its way in. Keep the variant numbers in step with Message.
"""

import os
import sys

WIRE_VERSION = 2


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def i64(n):
    return varint(((n << 1) ^ (n >> 63)) & 0xFFFF_FFFF_FFFF_FFFF)


def string(s):
    b = s.encode()
    return varint(len(b)) + b


def option(value):
    return b"\x00" if value is None else b"\x01" + value


def seq(items):
    return varint(len(items)) + b"".join(items)


def variant(index, *fields):
    return varint(index) + b"".join(fields)


def frame(payload):
    body = bytes([WIRE_VERSION]) + payload
    return len(body).to_bytes(4, "big") + body


DEV_A = string("0123456789abcdef0123456789abcdef")
DEV_B = string("fedcba9876543210fedcba9876543210")


def device_info(dev, proof, revoked):
    return (
        dev
        + string("member-1")
        + string("Office laptop")
        + string("age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs0l6qn8")
        + option(bytes(range(32)) if proof else None)
        + i64(1_760_000_000_000)
        + option(i64(1_760_000_100_000) if revoked else None)
    )


def blob(kind, to=None, body=b"sealed"):
    return bytes(range(16)) + string("client/42") + kind + varint(3) + option(to) + seq([bytes([b]) for b in body])


CHANGE = variant(0)
SNAPSHOT = variant(1, varint(17))
KEY = variant(2, bytes(range(8)))


def entry(seq_no, sender, item):
    return varint(seq_no) + option(sender) + i64(-1) + item


MESSAGES = {
    "hello": variant(0, string("bloom-desktop/0.1.0")),
    "welcome": variant(1, string("0.1.0"), string("Demo Practice — Київ"), option(device_info(DEV_A, True, False))),
    "welcome_unenrolled": variant(1, string("0.1.0"), string("Demo"), option(None)),
    "ping": variant(2, varint(2**64 - 1)),
    "pong": variant(3, varint(0)),
    "error": variant(4, string("frame.malformed"), string("malformed frame body")),
    "enroll": variant(5, string("invite-token"), string("Laptop"), string("age1xyz"), option(bytes(32))),
    "enrolled": variant(6, device_info(DEV_B, False, True)),
    "pair": variant(7),
    "pairing_token": variant(8, string("pair-token"), i64(-5)),
    "devices": variant(9),
    "device_list": variant(10, seq([device_info(DEV_A, True, False), device_info(DEV_B, False, True)])),
    "upload": variant(11, seq([blob(CHANGE), blob(SNAPSHOT), blob(KEY, to=DEV_B, body=b"")])),
    "uploaded": variant(
        12,
        seq([variant(0, varint(1)), variant(1, varint(300)), variant(2, string("sync.refused"), string("no"))]),
    ),
    "subscribe": variant(13, varint(0)),
    "entries": variant(
        14,
        seq(
            [
                entry(1, DEV_A, variant(0, blob(CHANGE))),
                entry(2, None, variant(1, device_info(DEV_B, True, False))),
                entry(
                    3,
                    None,
                    variant(2, DEV_B, seq([string("client/42") + varint(4) + seq([DEV_A])])),
                ),
            ]
        ),
        varint(3),
        b"\x01",
    ),
}

STREAMS = {
    "handshake": ["hello", "welcome", "ping", "pong"],
    "enroll": ["hello", "welcome_unenrolled", "enroll", "enrolled"],
    "sync": ["upload", "uploaded", "subscribe", "entries", "entries"],
    "pairing": ["pair", "pairing_token", "devices", "device_list", "error"],
}


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    target, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    if target == "frame_stream":
        seeds = {name: b"".join(frame(MESSAGES[m]) for m in kinds) for name, kinds in STREAMS.items()}
        # A stream that ends inside its second frame.
        seeds["cut"] = seeds["handshake"][:-3]
    else:
        seeds = {name: frame(payload) for name, payload in MESSAGES.items()}
    for name, data in seeds.items():
        with open(os.path.join(out, "seed-" + name), "wb") as f:
            f.write(data)
    print(len(seeds))


if __name__ == "__main__":
    main()
