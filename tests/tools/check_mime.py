#!/usr/bin/env python3
"""check_mime.py - check a composed message with Python's strict email parser.

usage: check_mime.py FILE.eml [--expect-calendar] [--subject S] [--to-name N]
                     [--structure "TYPE TYPE..."]

--structure names every part's content type in order (the default is the
alternative of text and HTML, with the calendar when --expect-calendar).
Every inline image must have a Content-ID that the HTML part refers to.

Prints TAP-free findings one per line and exits 1 on the first problem set:
every defect the strict policy raises or records, bare LF or CR, lines over
998 octets (or 78 in headers, when folding was possible), missing headers,
parts that do not decode as UTF-8.
"""
import email
import email.policy
import re
import sys

def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)

def main():
    args = sys.argv[1:]
    path = args.pop(0)
    expect_calendar = "--expect-calendar" in args
    subject = args[args.index("--subject") + 1] if "--subject" in args else None
    to_name = args[args.index("--to-name") + 1] if "--to-name" in args else None
    structure = args[args.index("--structure") + 1].split() if "--structure" in args else None
    raw = open(path, "rb").read()

    if re.search(rb"(?<!\r)\n", raw):
        fail("bare LF in message")
    if re.search(rb"\r(?!\n)", raw):
        fail("bare CR in message")
    for n, line in enumerate(raw.split(b"\r\n"), 1):
        if len(line) > 998:
            fail(f"line {n} is {len(line)} octets (limit 998)")
        if not all(b < 128 for b in line):
            fail(f"line {n} has 8-bit octets")
    head = raw.split(b"\r\n\r\n", 1)[0]
    for n, line in enumerate(head.split(b"\r\n"), 1):
        # A field's first word stays on its line however long (no "Name:" alone).
        first_word = re.match(rb"[!-9;-~]+: *[^ \t]+$", line)
        if len(line) > 78 and b" " in line.strip() and not first_word:
            fail(f"header line {n} is {len(line)} octets and could have been folded")

    try:
        msg = email.message_from_bytes(raw, policy=email.policy.strict)
    except Exception as e:  # strict raises on the first defect
        fail(f"strict parser raised: {e!r}")
    parts = list(msg.walk())
    for p in parts:
        if p.defects:
            fail(f"defects in {p.get_content_type()}: {p.defects}")
        for k, v in p.items():
            if getattr(v, "defects", None):
                fail(f"header {k} defects: {v.defects}")

    for h in ["From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "List-Id",
              "List-Unsubscribe", "List-Unsubscribe-Post"]:
        if msg[h] is None:
            fail(f"missing header {h}")
    lu = str(msg["List-Unsubscribe"])
    if not re.search(r"<https?://[^>]+>", lu) or "<mailto:" not in lu:
        fail(f"List-Unsubscribe lacks an http(s) URL and a mailto: {lu}")
    if str(msg["List-Unsubscribe-Post"]) != "List-Unsubscribe=One-Click":
        fail("List-Unsubscribe-Post is not One-Click")
    if not re.fullmatch(r"<[^@<>\s]+@[^@<>\s]+>", str(msg["Message-ID"])):
        fail(f"Message-ID malformed: {msg['Message-ID']}")
    if subject is not None and str(msg["Subject"]) != subject:
        fail(f"Subject decodes to {str(msg['Subject'])!r}, want {subject!r}")
    if to_name is not None and msg["To"].addresses[0].display_name != to_name:
        fail(f"To display name is {msg['To'].addresses[0].display_name!r}, want {to_name!r}")

    types = [p.get_content_type() for p in parts]
    want = ["multipart/alternative", "text/plain", "text/html"]
    if expect_calendar:
        want = ["multipart/mixed"] + want + ["text/calendar"]
    if structure is not None:
        want = structure
    if types != want:
        fail(f"structure is {types}, want {want}")
    for p in parts:
        if p.get_content_maintype() == "multipart":
            continue
        text = p.get_content()
        if p.get_content_type() == "text/calendar":
            if p.get_param("method") != "REQUEST" or "METHOD:REQUEST" not in text:
                fail("calendar part is not method=REQUEST")
            if "BEGIN:VEVENT" not in text or "UID:" not in text:
                fail("calendar part has no VEVENT with UID")
    html = "".join(p.get_content() for p in parts if p.get_content_type() == "text/html")
    for p in parts:
        if p.get_content_maintype() != "image" or p.get_content_disposition() != "inline":
            continue
        cid = str(p["Content-ID"] or "").strip("<>")
        if not cid or f'src="cid:{cid}"' not in html:
            fail(f"inline image {p.get_filename()} has Content-ID {cid!r}, not used in the HTML")
    print("ok: " + " ".join(types))

main()
