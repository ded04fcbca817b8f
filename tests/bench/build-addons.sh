#!/bin/sh
# Build the out-of-tree neighbours that `make bench` compares against, from
# Debian's packages, for the guest kernel, without installing anything:
#   ipt_NETFLOW (iptables-netflow-dkms) and xt_ACCOUNT + compat_xtables
#   (xtables-addons-dkms, only ACCOUNT enabled), with their iptables
#   extensions libipt_NETFLOW.so / libxt_ACCOUNT.so (from the .debs).
#
#   KVER=6.1.0-... tests/bench/build-addons.sh OUTDIR
#
# Writes OUTDIR/addons-$KVER.tgz (debug info stripped: it goes into the guest
# through the command string, which must stay below 128 KiB).  Uses
# `apt-get download` (no installation) and the kernel's headers package.
set -eu
OUT=$1
KVER=${KVER:?KVER not set}
KDIR=/lib/modules/$KVER/build
[ -d "$KDIR" ] || { echo "build-addons: $KDIR missing (linux-headers-$KVER)" >&2; exit 1; }
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
W=$OUT/addons-src
rm -rf "$W" && mkdir -p "$W/x" "$W/pack"
cd "$W"
apt-get download xtables-addons-dkms xtables-addons-common iptables-netflow-dkms >/dev/null 2>&1 ||
	{ echo "build-addons: apt-get download failed" >&2; exit 1; }
for d in *.deb; do dpkg-deb -x "$d" x; done
XA=$(echo x/usr/src/xtables-addons-*)
NF=$(echo x/usr/src/ipt-netflow-*)

# xtables-addons: only ACCOUNT (and the compat_xtables it is built with)
sed -i 's/^\(build_[A-Za-z0-9_]*\)=m/\1=/; s/^build_ACCOUNT=$/build_ACCOUNT=m/' "$XA/mconfig"
make -C "$KDIR" M="$W/$XA/extensions" XA_ABSTOPSRCDIR="$W/$XA" XA_TOPSRCDIR="$W/$XA" \
	modules >"$OUT/addons-xa.log" 2>&1 || { tail -20 "$OUT/addons-xa.log" >&2; exit 1; }

# ipt-netflow: default features (no SNMP agent); its configure needs KDIR
(cd "$NF" && ./configure --kver="$KVER" --kdir="$KDIR" --disable-snmp-agent --disable-dkms \
	--ipt-bin=/usr/sbin/iptables-legacy >"$OUT/addons-nf.log" 2>&1 &&
	sed -i "s,^KDIR = \$,KDIR = $KDIR," Makefile &&
	make ipt_NETFLOW.ko >>"$OUT/addons-nf.log" 2>&1) || { tail -20 "$OUT/addons-nf.log" >&2; exit 1; }

cp "$NF/ipt_NETFLOW.ko" "$XA/extensions/ACCOUNT/xt_ACCOUNT.ko" "$XA/extensions/compat_xtables.ko" pack/
cp x/usr/lib/x86_64-linux-gnu/xtables/libipt_NETFLOW.so x/usr/lib/x86_64-linux-gnu/xtables/libxt_ACCOUNT.so pack/
strip --strip-debug pack/*.ko
for k in pack/*.ko; do
	v=$(modinfo -F vermagic "$k" | cut -d' ' -f1)
	[ "$v" = "$KVER" ] || { echo "build-addons: $k is for $v" >&2; exit 1; }
done
tar -C pack -czf "$OUT/addons-$KVER.tgz" .
echo "build-addons: $OUT/addons-$KVER.tgz ($(wc -c < "$OUT/addons-$KVER.tgz") bytes): $(ls pack | tr '\n' ' ')"
