#!/usr/bin/python3
"""dkim_verify - check every DKIM-Signature of messages with python3-dkim (an
independent verifier), the keys' TXT records served from a file instead of DNS.

    dkim_verify.py RECORDS MSG...    RECORDS: lines "NAME VALUE" (as dkim keygen's
                                     record, its strings joined)

Prints one line per message and signature: "ok FILE d= s= a=" or "FAIL FILE ...";
exits 1 if any signature fails or a message has none.  Messages may have LF line
ends (smtp-sink's dumps): they are read as CRLF, as they travelled.
"""
import re
import sys

import dkim

records = {}
for line in open(sys.argv[1], encoding="ascii"):
    line = line.rstrip("\n")
    if line:
        name, value = line.split(" ", 1)
        records[name.lower().rstrip(".") + "."] = value.encode()


def dnsfunc(name, timeout=5):
    if isinstance(name, bytes):
        name = name.decode()
    return records.get(name.lower().rstrip(".") + ".")


bad = 0
for path in sys.argv[2:]:
    raw = open(path, "rb").read()
    # smtp-sink's dump: its own X-Mail-Args/X-Rcpt-Args lines first, then the message.
    raw = re.sub(rb"\A(X-(Mail|Rcpt)-Args:[^\n]*\n)+", b"", raw)
    raw = re.sub(rb"\r?\n", b"\r\n", raw)
    d = dkim.DKIM(raw)
    n = len([h for h in d.headers if h[0].lower() == b"dkim-signature"])
    if n == 0:
        print("FAIL %s: no DKIM-Signature" % path)
        bad += 1
    for i in range(n):
        why = ""
        try:
            ok = d.verify(idx=i, dnsfunc=dnsfunc)
        except dkim.DKIMException as e:
            ok, why = False, ": %s" % e
        sig = d.signature_fields or {}
        print("%s %s d=%s s=%s a=%s%s" % ("ok" if ok else "FAIL", path,
              sig.get(b"d", b"?").decode(), sig.get(b"s", b"?").decode(),
              sig.get(b"a", b"?").decode(), why))
        if not ok:
            bad += 1
sys.exit(1 if bad else 0)
