#!/bin/sh
# bench/compose.sh - compose the sample newsletter for N recipients (default
# 100,000): messages per second and peak RSS.  Target (issue 3): over 20,000/s.
set -eu
cd "$(dirname "$0")/.."
make -s outreach build/bench/compose_bench
./build/bench/compose_bench etc/demo/newsletter.md "${1:-100000}" templates
./build/bench/compose_bench etc/demo/notice.md "${1:-100000}" templates
