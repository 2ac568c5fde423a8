#!/bin/bash
# Source-tree conventions: banned calls, file size, line length.
exec sh "$(dirname "$0")/../checksrc.sh"
