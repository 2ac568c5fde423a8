#!/usr/bin/env python3
"""make_token.py - make an outreach link token with a site key, for tests.

usage: make_token.py SECRET_KEY_FILE PURPOSE A [B [C]]

The format is the one src/token.c documents: PURPOSE-base36(a)-base36(b)-
base36(c)-base32(first 16 bytes of HMAC-SHA256(key, "outreach/1:" + text)).
Tests use it to make tokens the server must refuse (expired, wrong purpose)
without any help from the code under test.
"""
import base64
import hashlib
import hmac
import sys


def b36(n):
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        out = digits[n % 36] + out
        n //= 36
        if n == 0:
            return out


key = bytes.fromhex(open(sys.argv[1]).read().strip())
purpose = sys.argv[2]
ids = [int(x) for x in sys.argv[3:]] + [0, 0, 0]
text = f"{purpose}-{b36(ids[0])}-{b36(ids[1])}-{b36(ids[2])}"
mac = hmac.new(key, b"outreach/1:" + text.encode(), hashlib.sha256).digest()[:16]
print(text + "-" + base64.b32encode(mac).decode().rstrip("=").lower())
