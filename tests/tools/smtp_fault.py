#!/usr/bin/env python3
"""smtp_fault.py - a small SMTP server on 127.0.0.1 that misbehaves on cue.

usage: smtp_fault.py PORT DUMPDIR [PIDFILE]

The recipient's local part decides what happens (the first time only, where
noted, so a retry can succeed):
  reject*    550 5.1.1 user unknown, at RCPT
  policy*    550 5.7.1 message refused as spam, at RCPT
  generic*   554 5.3.0 recipient refused (a refusal that does not name the mailbox), at RCPT
  unknown*   550 Unknown user (no enhanced code, but the words name the mailbox), at RCPT
  defer*     451 4.3.0 temporary failure, at RCPT (every time)
  throttle*  421 4.7.0 too many messages, slow down, at RCPT (first 3 times)
  drop*      connection closed without a reply after RCPT (first time)
  bigfail*   554 5.6.0 message content rejected, after DATA
Anything else is accepted with 250 and written to DUMPDIR as one file
(envelope in X-Mail-From / X-Rcpt-To lines, then the message).
"""
import asyncio
import os
import sys

seen = {}

def first_times(key, n):
    seen[key] = seen.get(key, 0) + 1
    return seen[key] <= n

async def session(reader, writer):
    def send(line):
        writer.write((line + "\r\n").encode())
    send("220 fault.test ESMTP")
    mail_from, rcpts = None, []
    try:
        while True:
            raw = await reader.readline()
            if not raw:
                break
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            cmd = line[:4].upper()
            if cmd in ("EHLO", "HELO"):
                send("250-fault.test")
                send("250-PIPELINING")
                send("250 8BITMIME")
            elif cmd == "MAIL":
                mail_from, rcpts = line[10:].strip(), []
                send("250 2.1.0 Ok")
            elif cmd == "RCPT":
                addr = line[8:].strip().strip("<>")
                local = addr.split("@")[0]
                if local.startswith("reject"):
                    send("550 5.1.1 <%s>: Recipient address rejected: User unknown" % addr)
                elif local.startswith("policy"):
                    send("550 5.7.1 Message refused as spam by policy")
                elif local.startswith("generic"):
                    send("554 5.3.0 Error: recipient refused")
                elif local.startswith("unknown"):
                    send("550 <%s>... Unknown user" % addr)
                elif local.startswith("defer"):
                    send("451 4.3.0 <%s>: Temporary lookup failure" % addr)
                elif local.startswith("throttle") and first_times(addr, 3):
                    send("421 4.7.0 Too many messages, slow down")
                    await writer.drain()
                    break
                elif local.startswith("drop") and first_times(addr, 1):
                    break
                else:
                    rcpts.append(addr)
                    send("250 2.1.5 Ok")
            elif cmd == "DATA":
                send("354 End data with <CR><LF>.<CR><LF>")
                await writer.drain()
                body = []
                while True:
                    l = await reader.readline()
                    if not l or l == b".\r\n":
                        break
                    if l.startswith(b".."):
                        l = l[1:]
                    body.append(l)
                if any(r.split("@")[0].startswith("bigfail") for r in rcpts):
                    send("554 5.6.0 Message content rejected")
                else:
                    name = os.path.join(sys.argv[2], "%d.%d.eml" % (os.getpid(), len(os.listdir(sys.argv[2]))))
                    with open(name + ".tmp", "wb") as f:
                        f.write(("X-Mail-From: %s\n" % mail_from).encode())
                        for r in rcpts:
                            f.write(("X-Rcpt-To: %s\n" % r).encode())
                        f.write(b"".join(body))
                    os.rename(name + ".tmp", name)
                    send("250 2.0.0 Ok: queued")
            elif cmd == "RSET":
                mail_from, rcpts = None, []
                send("250 2.0.0 Ok")
            elif cmd == "NOOP":
                send("250 2.0.0 Ok")
            elif cmd == "QUIT":
                send("221 2.0.0 Bye")
                await writer.drain()
                break
            else:
                send("502 5.5.2 Error: command not recognized")
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    writer.close()

async def main():
    server = await asyncio.start_server(session, "127.0.0.1", int(sys.argv[1]))
    if len(sys.argv) > 3:
        with open(sys.argv[3], "w") as f:
            f.write(str(os.getpid()))
    async with server:
        await server.serve_forever()

asyncio.run(main())
