#!/bin/sh
# Print the kernel release the test guest boots when KVER is not set:
# the release our module was built for (vermagic of $MODULE, default
# src/xt_pktstat.ko) if that kernel is installed (/boot/vmlinuz-$v and
# /lib/modules/$v), else the newest installed kernel that has both.
# (Booting another kernel than the module's only gives "Exec format error".)
TOP=$(cd "$(dirname "$0")/../.." && pwd)
m=${MODULE:-src/xt_pktstat.ko}
case $m in /*) ;; *) m=$TOP/$m ;; esac
bootable() { [ -e "/boot/vmlinuz-$1" ] && [ -d "/lib/modules/$1/kernel" ]; }
if [ -e "$m" ]; then
	v=$(modinfo -F vermagic "$m" 2>/dev/null | cut -d' ' -f1)
	if [ -n "$v" ] && bootable "$v"; then
		echo "$v"
		exit 0
	fi
fi
k=
for v in $(ls /lib/modules 2>/dev/null | sort -V); do
	bootable "$v" && k=$v
done
[ -n "$k" ] || { echo "default-kver: no kernel with both /boot/vmlinuz-* and /lib/modules/*" >&2; exit 1; }
echo "$k"
