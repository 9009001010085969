#!/bin/sh
# host-mirror.sh: print the Debian archive this host's apt uses (the first
# "deb" URI of the main archive, from deb822 .sources files or one-line
# sources.list entries; security and updates mirrors are skipped), so that a
# host behind a local mirror or proxy needs no configuration here.  Prints
# nothing when none is found.
for f in /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] && sed -n 's/^URIs:[[:space:]]*//p' "$f"
done | tr ' ' '\n' | grep -v -e security -e '^$' | head -n1 | grep . && exit 0
cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
	sed -n 's/^deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\([^[:space:]]\+\).*/\2/p' |
	grep -v security | head -n1
