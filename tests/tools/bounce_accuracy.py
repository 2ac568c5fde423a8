#!/usr/bin/env python3
"""bounce_accuracy.py - score `outreach bounces parse` output against labels.tsv.

usage: bounce_accuracy.py LABELS.tsv PARSED.tsv MIN_CLASS MIN_RECIPIENT

Prints accuracy per MTA and overall (recipient found, class, status) as TAP
comment lines, then TAP results: overall class and recipient accuracy at or
above the bars, and no auto-reply ever counted as a bounce.

The labels' "filtered" reason is ambiguous: it covers content filters that
refuse a message (soft) and filtering appliances that relay "no such user"
(hard), and labels.tsv calls them all soft.  A filtered row is right when the
class is hard or soft: either reading is a bounce, and which one is what the
refusal's own words say, not what the label guessed.
"""
import collections
import csv
import sys

labels = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
parsed = collections.defaultdict(list)
for line in open(sys.argv[2]):
    f = line.rstrip("\n").split("\t")
    if len(f) >= 4:
        parsed[f[0].rsplit("/", 1)[-1]].append(f)
min_class, min_rcpt = float(sys.argv[3]), float(sys.argv[4])

per = collections.defaultdict(lambda: [0, 0, 0, 0])
auto_as_bounce = []
wrong = []
for l in labels:
    mta = l["file"].split("-", 1)[1].rsplit(".", 1)[0]
    rows = parsed.get(l["file"], [])
    want = l["recipient"].lower()
    match = [r for r in rows if r[1].lower() == want] if want else rows
    r = (match or rows or [["", "", "", "other"]])[0]
    p = per[mta]
    p[0] += 1
    p[1] += (r[1].lower() == want)
    ok = r[3] == l["class"] or (l["reason"] == "filtered" and r[3] in ("hard", "soft"))
    p[2] += ok
    p[3] += (r[2] == l["status"])
    if not ok:
        wrong.append(f"{l['file']}: got {r[3]}, want {l['class']}")
    if l["class"] == "autoreply" and r[3] in ("hard", "soft"):
        auto_as_bounce.append(l["file"])

tot = [sum(p[i] for p in per.values()) for i in range(4)]
print("# %-18s %5s %10s %8s %8s" % ("MTA", "rows", "recipient", "class", "status"))
for mta in sorted(per, key=lambda m: (per[m][2] / per[m][0], m)):
    n, rc, cc, sc = per[mta]
    print("# %-18s %5d %9.0f%% %7.0f%% %7.0f%%" % (mta, n, 100 * rc / n, 100 * cc / n, 100 * sc / n))
n = tot[0]
print("# %-18s %5d %9.1f%% %7.1f%% %7.1f%%" % ("overall", n, 100 * tot[1] / n, 100 * tot[2] / n,
                                              100 * tot[3] / n))
for w in wrong:
    print("# wrong class: " + w)
cls, rcp = 100 * tot[2] / n, 100 * tot[1] / n
print(("ok" if cls >= min_class else "not ok") + f" 1 - class accuracy {cls:.1f}% (bar {min_class}%)")
print(("ok" if rcp >= min_rcpt else "not ok") + f" 2 - recipient found {rcp:.1f}% (bar {min_rcpt}%)")
print(("ok" if not auto_as_bounce else "not ok") + " 3 - no auto-reply counted as a bounce" +
      (": " + ", ".join(auto_as_bounce) if auto_as_bounce else ""))
print("1..3")
