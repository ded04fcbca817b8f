#!/bin/bash
# make check-packages: the Debian and RPM packages, built, linted, installed,
# exercised, upgraded and removed for real, inside a throwaway Debian root
# (bookworm, its own dpkg state, dkms, kernels: tests/packages/mkroot.sh)
# that this script unpacks into build/pkgtest/root and deletes at the end:
# other DKMS modules of this machine cannot fail it, and this machine is
# left as it was (checked: its package list before and after).
#
#   1. make deb (in the root) from a clean copy of the tree; what the two
#      .debs hold; lintian (no errors allowed; every tag it prints is shown).
#   2. apt-get install ./*.deb: DKMS builds and installs the module for every
#      kernel of the root that has headers, and signs it; the modprobe.d
#      file documents every module parameter and sets none; iptables finds
#      the extension.
#   3. QEMU boots that kernel (the root's) with the installed module and the
#      installed extension (not the build tree's), and
#      tests/packages/guest-installed.sh adds a rule, sends traffic, reads
#      data, and checks that the installed modprobe.d file leaves the
#      defaults and that an option set in it takes effect.
#   4. Kernel upgrade: installing the headers of the newest kernel of
#      bookworm-backports makes DKMS build the module for it with no command
#      from us; QEMU boots that kernel and runs the same guest test.
#   5. Package upgrade to a rebuilt version (<version>+test1): one DKMS
#      version left, installed for every kernel; the old one gone.
#   6. apt-get remove, then purge: no module, no DKMS tree, no source, no
#      library; the modprobe.d conffile stays until the purge (Debian
#      policy), then goes.
#   7. make rpm: both RPMs, their files (rpm -qlp), their dependencies and
#      scriptlets (rpm -qp --scripts: dkms add/build/install; remove only on
#      erase).  Then the scriptlets run for real (Debian's rpm, a private
#      database, --nodeps) against the root's dkms: install, upgrade to a new
#      release of the same version, upgrade to a new version, erase.
#
# On this machine it needs only debootstrap and the QEMU harness's tools
# (tests/deps.sh packages); everything else is in the root.  The root's
# /proc, /sys, /dev, /dev/pts and /run are mounted for dkms and apt and
# always unmounted (trap), then the root is removed (PKG_KEEP_ROOT=1 keeps
# it, unmounted, for a look).  Output: "ok"/"not ok" lines, then
# "N passed, M failed"; logs in build/pkgtest/.
#
# Environment: PKG_QEMU_TIMEOUT (seconds per guest boot, default 900),
# PKG_SKIP_KERNEL_UPGRADE=1 skips step 4 (counted as a failure),
# PKG_ROOT_CACHE, PKG_ROOT_SUITE, DEBIAN_MIRROR (tests/packages/mkroot.sh).
set -u
cd "$(dirname "$0")/../.."
TOP=$(pwd)
W=$TOP/build/pkgtest
CH=$W/root		# the throwaway root
# the monitoring stack the xt-pktstat packages install (data files)
MON_DASHBOARD=/usr/share/xt-pktstat/grafana/xt-pktstat.json
MON_RULES=/usr/share/xt-pktstat/prometheus/xt-pktstat.rules.yml
IW=/pkgtest		# its work directory, as seen inside (CW on this side)
CW=$CH$IW
QEMU_WORKDIR=$TOP/build/qemu-pkg
QEMU_TIMEOUT=${PKG_QEMU_TIMEOUT:-900}
export DEBIAN_FRONTEND=noninteractive
export LC_ALL=C
START=$(date +%s)

if [ "$(id -u)" != 0 ]; then
	echo "not ok 1 - check-packages builds a Debian root (debootstrap, chroot): run it as root"
	echo "0 passed, 1 failed"
	exit 1
fi
. "$TOP/tests/packages/chroot-lib.sh"
mkdir -p "$TOP/build"
# a root left by a killed run: unmount, remove
if [ -d "$CH" ] && ! root_remove "$CH"; then
	echo "not ok 1 - $CH of an earlier run could not be unmounted"
	echo "0 passed, 1 failed"
	exit 1
fi
rm -rf --one-file-system "$W"
mkdir -p "$W"

# ------------------------------------------------------------ reporting
T_N=0 T_PASS=0 T_FAIL=0
ok() {
	T_N=$((T_N + 1)); T_PASS=$((T_PASS + 1))
	echo "ok $T_N - $1"
}
not_ok() {
	T_N=$((T_N + 1)); T_FAIL=$((T_FAIL + 1))
	echo "not ok $T_N - $1"
	shift
	for l in "$@"; do printf '%s\n' "$l" | sed 's/^/#   /'; done
}
diag() { printf '%s\n' "$*" | sed 's/^/# /'; }
# t_eq DESC EXPECTED ACTUAL
t_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "expected: $2" "actual:   $3"; return 1; fi
}
# t_true DESC CMD...: ok if CMD succeeds (its output is shown if not)
t_true() {
	local desc=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ $rc = 0 ]; then ok "$desc"; else not_ok "$desc" "$*: exit $rc" "$out"; fi
	return $rc
}
# t_not DESC CMD...: ok if CMD fails (its output is shown if not)
t_not() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then not_ok "$desc" "$*: succeeded" "$out"; return 1; fi
	ok "$desc"
}
# step NAME DESC CMD...: run CMD, output in $W/NAME.log; ok with the time
# taken, or not ok with the log's tail.
step() {
	local name=$1 desc=$2 t0 rc
	shift 2
	t0=$(date +%s)
	"$@" > "$W/$name.log" 2>&1
	rc=$?
	TIMES="$TIMES $name=$(($(date +%s) - t0))s"
	if [ $rc = 0 ]; then
		ok "$desc ($(($(date +%s) - t0)) s)"
	else
		not_ok "$desc" "$*: exit $rc (log: build/pkgtest/$name.log)" "$(tail -n 25 "$W/$name.log")"
	fi
	return $rc
}
TIMES=

# ------------------------------------------------------------ helpers
# X CMD...: run CMD in the root; XS SCRIPT: a bash script there
X() { inch "$CH" "$@"; }
XS() { inch "$CH" bash -c "$1"; }
# inpath PATH: PATH (under $CH) as seen inside the root
inpath() { echo "${1#"$CH"}"; }
installed() { X dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null | grep -q '^ii'; }
known() { X dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null | grep -q '^[a-z][a-zA-Z]'; }
OURS="xt-pktstat xt-pktstat-dkms xt-pktstat-dbgsym"
ours_present() {
	local p
	for p in $OURS; do
		X dpkg-query -W -f='${db:Status-Abbrev}\n' "$p" 2>/dev/null | grep -q '^[a-z][a-z]' && return 0
	done
	return 1
}
# ours_known [ii]: those of our packages the root's dpkg knows (installed,
# or with configuration files left), or with "ii" only the installed ones.
ours_known() {
	local p
	for p in $OURS; do
		X dpkg-query -W -f='${db:Status-Abbrev}\n' "$p" 2>/dev/null |
			grep -q "^${1:-[a-z][a-z]}" && echo "$p"
	done
}
purge_ours() {
	local l
	l=$(ours_known)
	# shellcheck disable=SC2086
	[ -z "$l" ] || X apt-get purge -y $l
}
# this machine's packages of the kinds the test handles (kernels, dkms,
# ours, the packaging tools), to check that it left them as they were
# (not all packages: other suites of make check-all may install theirs
# meanwhile)
host_packages() {
	dpkg-query -W -f='${Package} ${Version} ${db:Status-Abbrev}\n' |
		grep -E '^(xt-pktstat|linux-(image|headers|kbuild|modules|binary|base|compiler)|dkms|dh-dkms|debhelper|lintian|rpm|fakeroot|libxtables|iptables|initramfs-tools)' |
		sort
}
cleanup() {
	if [ "${PKG_KEEP_ROOT:-0}" = 1 ]; then
		root_umount "$CH" && echo "# PKG_KEEP_ROOT=1: the root is kept (unmounted) in $CH" >&2
	else
		root_remove "$CH"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# RPMs installed with a private database (step 7b), in the root.
RPMDB=$IW/rpmdb
rpmq() { X rpm --dbpath "$RPMDB" "$@"; }
# rpm_variant VERSION RELEASE: build the RPMs again as VERSION-RELEASE
# into /pkgtest/rpm-VERSION-RELEASE/RPMS (in the root).
rpm_variant() {
	X env V="$1" R="$2" RPMV="$RPMV" IW="$IW" bash -ec '
		t=$IW/rpm-$V-$R
		rm -rf "$t"
		mkdir -p "$t/SOURCES" "$t/x"
		tar -xzf "$IW/tree/build/rpm/SOURCES/xt-pktstat-$RPMV.tar.gz" -C "$t/x"
		[ "$V" = "$RPMV" ] || mv "$t/x/xt-pktstat-$RPMV" "$t/x/xt-pktstat-$V"
		tar -czf "$t/SOURCES/xt-pktstat-$V.tar.gz" -C "$t/x" "xt-pktstat-$V"
		sed -e "s/^Version:.*/Version:        $V/" -e "s/^Release:.*/Release:        $R%{?dist}/" \
			"$IW/tree/rpm/xt-pktstat.spec" > "$t/xt-pktstat.spec"
		rpmbuild -bb --nodeps --define "_topdir $t" "$t/xt-pktstat.spec"'
}
rpm_variants() { rpm_variant "$RPMV" 2 && rpm_variant "$RPMV2" 1; }
rpm_state() {	# one line: what rpm and dkms say, and which module files exist
	echo "rpm: $(rpmq -qa | sort | tr '\n' ' ')"
	echo "dkms: $(X dkms status -m xt-pktstat 2>/dev/null | tr '\n' ';')"
	echo "modules: $(find "$CH/lib/modules" -name 'xt_pktstat.ko*' | sed "s,^$CH,," | tr '\n' ' ')"
}

# Kernels of the root that have headers (where DKMS can build).
kernels_with_headers() {
	XS 'for d in /lib/modules/*/build; do [ -e "$d/include" ] && basename "$(dirname "$d")"; done'
}
# dkms_state VERSION KERNEL: dkms status of our module, or empty
dkms_state() {
	X dkms status -m xt-pktstat -v "$1" -k "$2" 2>/dev/null | sed -n 's/.*: //p' | head -n 1
}
dkms_versions() {
	X dkms status -m xt-pktstat 2>/dev/null | sed -n 's,^xt-pktstat[/,] *\([^,:]*\).*,\1,p' | sort -u | tr '\n' ' ' | sed 's/ $//'
}
# modfile KERNEL: the xt_pktstat module modprobe finds for KERNEL (in the root)
modfile() { X modinfo -k "$1" -n xt_pktstat 2>/dev/null; }
sha() { sha256sum "$1" | cut -d' ' -f1; }

# guest_test KVER MODULE: boot the root's kernel KVER under QEMU with MODULE
# (a path in the root) and the installed extension, run guest-installed.sh;
# its results become ours ("KVER guest: ").
guest_test() {
	local kver=$1 module=$CH$2 lib conf log rc script b64 cmd
	lib=$CH$XTLIBDIR/libxt_pktstat.so
	conf=$CH/etc/modprobe.d/xt_pktstat.conf
	log=$W/guest-$kver.log
	for f in "$module" "$lib" "$conf" "$CH/boot/vmlinuz-$kver"; do
		[ -e "$f" ] || { not_ok "$kver guest: $(inpath "$f") exists in the root"; return 1; }
	done
	# The harness puts MODULE and EXTLIB in the image; the installed
	# modprobe.d file and the test itself travel in the command (the
	# harness has no hook for other files).
	script=$W/guest-$kver.sh
	{
		echo "EXP_KVER='$kver'"
		echo "EXP_MOD_SHA='$(sha "$module")'"
		case $module in	# the harness copies it decompressed
		*.ko.xz) echo "EXP_MOD_SHA_RAW='$(xz -dc "$module" | sha256sum | cut -d' ' -f1)'" ;;
		*.ko.zst) echo "EXP_MOD_SHA_RAW='$(zstd -dcq "$module" | sha256sum | cut -d' ' -f1)'" ;;
		*.ko.gz) echo "EXP_MOD_SHA_RAW='$(gzip -dc "$module" | sha256sum | cut -d' ' -f1)'" ;;
		esac
		echo "EXP_LIB_SHA='$(sha "$lib")'"
		echo "cat > /tmp/xt_pktstat.conf.installed <<'XT_PKTSTAT_CONF_EOF'"
		cat "$conf"
		echo "XT_PKTSTAT_CONF_EOF"
		cat "$TOP/tests/packages/guest-installed.sh"
	} > "$script"
	b64=$(gzip -9 -c "$script" | base64 -w0)
	cmd="echo $b64 | base64 -d | gunzip > /tmp/pkgtest.sh && sh /tmp/pkgtest.sh"
	local t0
	t0=$(date +%s)
	KVER=$kver KERNEL_IMAGE=$CH/boot/vmlinuz-$kver MODULES_ROOT=$CH \
		MODULE=$module EXTLIB=$lib WORKDIR=$QEMU_WORKDIR \
		GUEST_LOG="$W/guest-$kver.console" \
		"$TOP/tests/qemu/run-guest.sh" --timeout "$QEMU_TIMEOUT" "$cmd" > "$log" 2>&1
	rc=$?
	TIMES="$TIMES qemu-$kver=$(($(date +%s) - t0))s"
	diag "QEMU $kver: guest exit $rc, $(($(date +%s) - t0)) s (log: build/pkgtest/guest-$kver.log)"
	# The guest's results become ours; its comment lines pass through.
	local line
	while IFS= read -r line; do
		case $line in
		"ok "[0-9]*" - "*) ok "$kver guest: ${line#ok * - }" ;;
		"not ok "[0-9]*" - "*) not_ok "$kver guest: ${line#not ok * - }" ;;
		"#"*) printf '%s\n' "$line" ;;
		esac
	done < <(sed -n '/@@GUEST-START@@/,/@@GUEST-EXIT/p' "$log" | tr -d '\r')
	if [ $rc != 0 ]; then
		not_ok "$kver guest: the test ran to the end and passed (exit $rc)" \
			"$(grep -E 'run-guest|Kernel panic|GUEST-EXIT' "$log" | tail -n 5)"
		return 1
	fi
	ok "$kver guest: the test ran to the end and passed"
}

# ================================================================ 0. setup
step deps "dependencies installed on this machine (tests/deps.sh packages)" tests/deps.sh packages || {
	echo "$T_PASS passed, $T_FAIL failed"; exit 1; }
host_packages > "$W/host-packages.before"
if ! step root "the throwaway root unpacked (tests/packages/mkroot.sh; key $(tests/packages/mkroot.sh --key))" \
	tests/packages/mkroot.sh "$CH"; then
	echo "$T_PASS passed, $T_FAIL failed"; exit 1
fi
grep -E 'built in|unpacked' "$W/root.log" | sed 's/^/# /'
if ! root_mount "$CH"; then
	not_ok "/proc, /sys, /dev mounted in the root"
	echo "$T_PASS passed, $T_FAIL failed"; exit 1
fi
mkdir -p "$CW"
XTLIBDIR=$(X pkg-config --variable=xtlibdir xtables)
MULTIARCH=$(X dpkg-architecture -qDEB_HOST_MULTIARCH)
diag "root: $(X sh -c '. /etc/os-release; echo "$PRETTY_NAME"'), dpkg $(X dpkg-query -W -f='${Version}' dpkg), dkms $(X dpkg-query -W -f='${Version}' dkms)"
for p in $OURS; do
	if known "$p"; then not_ok "no xt-pktstat package installed in the root before the test ($p is)"; fi
done
# The tree, as make deb and make rpm see it (the files git tracks or would
# add), in the root.
mkdir -p "$CW/tree"
git ls-files -co --exclude-standard | while read -r f; do [ ! -f "$f" ] || echo "$f"; done |
	tar -cf - -T - | tar -xf - -C "$CW/tree"

V=$(X dpkg-parsechangelog -l "$IW/tree/debian/changelog" -S Version)
V2=$V+test1
RPMV=$(sed -n 's/^Version:[[:space:]]*//p' rpm/xt-pktstat.spec)
t_eq "rpm/xt-pktstat.spec has the version of debian/changelog" "$V" "$RPMV"

# ================================================================ 1. build
if step make-deb "make deb builds the packages from a clean copy of the tree (in the root)" \
	X make -C "$IW/tree" deb; then
	mkdir -p "$CW/v1"
	cp "$CW"/tree/build/deb/*.deb "$CW"/tree/build/deb/*.changes "$CW"/tree/build/deb/*.buildinfo \
		"$CW"/tree/build/deb/*.dsc "$CW"/tree/build/deb/*.tar.* "$CW/v1/"
fi
ARCH=$(X dpkg --print-architecture)
DEB=$CW/v1/xt-pktstat_${V}_$ARCH.deb
DKMSDEB=$CW/v1/xt-pktstat-dkms_${V}_all.deb
t_true "xt-pktstat_${V} (Architecture: any) built" test -s "$DEB"
t_true "xt-pktstat-dkms_${V}_all built" test -s "$DKMSDEB"

if [ -s "$DEB" ] && [ -s "$DKMSDEB" ]; then
	X dpkg-deb -c "$(inpath "$DEB")" | awk '{print $6}' | sed 's,^\./,/,' > "$W/deb.files"
	X dpkg-deb -c "$(inpath "$DKMSDEB")" | awk '{print $6}' | sed 's,^\./,/,' > "$W/dkmsdeb.files"
	for f in "$XTLIBDIR/libxt_pktstat.so" /etc/modprobe.d/xt_pktstat.conf \
		/usr/share/man/man8/xt_pktstat.8.gz /usr/sbin/xt-pktstat \
		/usr/share/man/man8/xt-pktstat.8.gz \
		/lib/systemd/system/xt-pktstat.service /etc/default/xt-pktstat \
		$MON_DASHBOARD $MON_RULES; do
		t_true "xt-pktstat ships $f" grep -qx "$f" "$W/deb.files"
	done
	t_true "xt-pktstat: the extension is in iptables' xtlibdir (/usr/lib/$MULTIARCH/xtables)" \
		test "$XTLIBDIR" = "/usr/lib/$MULTIARCH/xtables"
	X dpkg-deb --ctrl-tarfile "$(inpath "$DEB")" | tar -xOf - ./conffiles > "$W/conffiles" 2>&1
	t_true "xt-pktstat: /etc/modprobe.d/xt_pktstat.conf is a conffile" \
		grep -qx /etc/modprobe.d/xt_pktstat.conf "$W/conffiles"
	S=/usr/src/xt-pktstat-$V
	for f in $S/dkms.conf $S/src/Makefile $S/src/Kbuild $S/src/probe.sh \
		$S/src/probes/pde_data.c $S/src/pktstat_match.c $S/src/xt_pktstat.h; do
		t_true "xt-pktstat-dkms ships $f" grep -qx "$f" "$W/dkmsdeb.files"
	done
	t_not "xt-pktstat-dkms ships no build products" \
		grep -E '\.(o|ko|mod|cmd)$|\.mod\.c$|pktstat_probed\.h$' "$W/dkmsdeb.files"
	X dpkg-deb --fsys-tarfile "$(inpath "$DKMSDEB")" | tar -xOf - ".$S/dkms.conf" > "$W/dkms.conf"
	for l in 'PACKAGE_NAME="xt-pktstat"' "PACKAGE_VERSION=\"$V\"" \
		'BUILT_MODULE_NAME[0]="xt_pktstat"' 'AUTOINSTALL="yes"'; do
		t_true "the packaged dkms.conf says $l" grep -qxF "$l" "$W/dkms.conf"
	done
	t_true "the packaged dkms.conf builds with src/Makefile against \${kernel_source_dir}" \
		grep -qxF 'MAKE[0]="make -C src KERNEL_DIR=${kernel_source_dir}"' "$W/dkms.conf"
	dep=$(X dpkg-deb -f "$(inpath "$DKMSDEB")" Depends)
	diag "xt-pktstat-dkms Depends: $dep"
	for d in "dkms" "xt-pktstat (>= $V)" "xt-pktstat (<< $V.1~)"; do
		case ", $dep," in
		*", $d"[\ ,]*) ok "xt-pktstat-dkms depends on $d" ;;
		*) not_ok "xt-pktstat-dkms depends on $d" "Depends: $dep" ;;
		esac
	done
	t_eq "xt-pktstat-dkms is Architecture: all" all "$(X dpkg-deb -f "$(inpath "$DKMSDEB")" Architecture)"
fi

# lintian: errors fail; warnings and the rest are listed.
if [ -s "$CW/v1/xt-pktstat_${V}_$ARCH.changes" ]; then
	t0=$(date +%s)
	X lintian --pedantic -I -E --show-overrides \
		"$IW/v1/xt-pktstat_${V}_$ARCH.changes" > "$W/lintian.log" 2>&1
	lrc=$?
	TIMES="$TIMES lintian=$(($(date +%s) - t0))s"
	grep -v 'running with root privileges' "$W/lintian.log" | sed 's/^/# lintian: /'
	errs=$(grep -c '^E:' "$W/lintian.log")
	t_eq "lintian: no errors (source and binary packages)" 0 "$errs"
	t_true "lintian ran (exit $lrc)" test "$lrc" = 0 -o "$errs" != 0
else
	not_ok "lintian: no .changes to check"
fi

# ================================================================ 2. install
KERNELS=$(kernels_with_headers | tr '\n' ' ')
diag "the root's kernels with headers: $KERNELS (running: $(uname -r), this machine's)"
# shellcheck disable=SC2046
step install-v1 "apt-get install ./*.deb ($V)" X apt-get install -y $(for f in "$CW"/v1/*.deb; do inpath "$f"; done)
for p in xt-pktstat xt-pktstat-dkms; do
	t_eq "$p $V installed" "ii $V" "$(X dpkg-query -W -f='${db:Status-Abbrev}|${Version}' $p 2>&1 | sed 's/ *|/ /')"
done
sed -n '/Building for/,$p' "$W/install-v1.log" | grep -E 'Building|Done|Skipped|xt_pktstat|Error|error' | head -n 8 | sed 's/^/# postinst: /'
X dkms status -m xt-pktstat 2>/dev/null | sed 's/^/# dkms status: /'
first=
for k in $KERNELS; do
	t_eq "dkms status: xt-pktstat/$V built and installed for $k" installed "$(dkms_state "$V" "$k")"
	mod=$(modfile "$k")
	case $mod in
	/lib/modules/$k/updates/dkms/xt_pktstat.ko*) ok "$k: modprobe finds the DKMS module ($mod)" ;;
	*) not_ok "$k: modprobe finds the DKMS module" "modinfo -k $k -n xt_pktstat: '$mod'" ;;
	esac
	[ -n "$mod" ] && [ -e "$CH$mod" ] || continue
	t_eq "$k: the module's vermagic is $k" "$k" "$(X modinfo -F vermagic "$mod" | cut -d' ' -f1)"
	t_not "$k: the module belongs to no package (DKMS built it here)" X dpkg -S "$mod"
	signer=$(X modinfo -F signer "$mod")
	t_eq "$k: DKMS signed the module with its MOK key (/var/lib/dkms/mok.pub)" "DKMS module signing key" "$signer"
	[ -z "$first" ] && first=$mod
done
mok_subject() { X openssl x509 -inform DER -in /var/lib/dkms/mok.pub -noout -subject; }
t_eq "DKMS's MOK certificate /var/lib/dkms/mok.pub (for mokutil --import) is the signer's" \
	"subject=CN = DKMS module signing key" "$(mok_subject 2>&1)"

# modprobe.d: every parameter documented, none set.
CONF=/etc/modprobe.d/xt_pktstat.conf
t_true "$CONF installed" test -f "$CH$CONF"
t_eq "$CONF belongs to xt-pktstat" "xt-pktstat: $CONF" "$(X dpkg -S "$CONF" 2>&1)"
t_eq "$CONF sets nothing (every options line commented out)" 0 \
	"$(grep -c '^[[:space:]]*options' "$CH$CONF")"
if [ -n "$first" ]; then
	params=$(X modinfo -F parm "$first" | cut -d: -f1 | tr '\n' ' ')
	diag "module parameters: $params"
	for p in $params; do
		t_true "$CONF explains $p" grep -q "^# $p:" "$CH$CONF"
		t_true "$CONF has $p as a commented-out options line" \
			grep -q "^#options xt_pktstat $p=" "$CH$CONF"
	done
else
	not_ok "module parameters: no installed module to read them from"
fi
# the monitoring stack's files, as in the tree (monitoring/README.md)
t_true "installed $MON_DASHBOARD is the tree's dashboard" \
	cmp -s "$CH$MON_DASHBOARD" "$TOP/monitoring/grafana/xt-pktstat.json"
t_true "installed $MON_RULES is the tree's rules" \
	cmp -s "$CH$MON_RULES" "$TOP/monitoring/prometheus/xt-pktstat.rules.yml"
t_true "iptables finds the installed extension (iptables -m pktstat --help)" \
	grep -q -- '--period' <<<"$(X iptables -m pktstat --help 2>&1)"

# ================================================================ 3. QEMU
K1=
for k in $KERNELS; do
	[ -e "$CH/boot/vmlinuz-$k" ] && [ -d "$CH/lib/modules/$k/kernel" ] && K1=$k
done
if [ -n "$K1" ] && mod=$(modfile "$K1"); then
	guest_test "$K1" "$mod"
else
	not_ok "QEMU: a kernel with headers and an installed module to boot"
fi

# ================================================================ 4. kernel upgrade
# The root's sources include <codename>-backports (tests/packages/mkroot.sh).
kernel_upgrade() {
	local codename ver
	codename=$(X sh -c '. /etc/os-release && echo "$VERSION_CODENAME"')
	X apt-get update -q || return 1
	ver=$(X apt-cache madison linux-headers-amd64 | awk -F' *[|] *' '$3 ~ /-backports/ {print $2; exit}')
	[ -n "$ver" ] || { echo "no linux-headers-amd64 in $codename-backports"; return 1; }
	KNEW=$(X apt-cache show "linux-headers-amd64=$ver" |
		sed -n 's/^Depends:.*linux-headers-\([^ ,]*-amd64\) .*/\1/p' | head -n 1)
	[ -n "$KNEW" ] || { echo "cannot tell the kernel release of linux-headers-amd64 $ver"; return 1; }
	echo "backports kernel: $KNEW ($ver)"
	X dpkg-query -W -f='${Package}\n' | sort > "$W/pkgs.before"
	# The headers, and the image to boot.  No initramfs: QEMU boots the
	# harness's own.  Nothing else is asked of DKMS.
	INROOT_ENV="INITRD=No" X apt-get install -y -t "$codename-backports" \
		"linux-headers-$KNEW" "linux-image-$KNEW"
	local rc=$?
	X dpkg-query -W -f='${Package}\n' | sort > "$W/pkgs.after"
	echo "installed: $(comm -13 "$W/pkgs.before" "$W/pkgs.after" | tr '\n' ' ')"
	return $rc
}
KNEW=
if [ "${PKG_SKIP_KERNEL_UPGRADE:-0}" = 1 ]; then
	not_ok "kernel upgrade: skipped (PKG_SKIP_KERNEL_UPGRADE=1)"
elif step kernel-install "install the headers of the newest backports kernel (apt-get install linux-headers-<release>)" kernel_upgrade; then
	KNEW=$(sed -n 's/^backports kernel: \([^ ]*\) .*/\1/p' "$W/kernel-install.log")
	diag "kernel installed: $KNEW; $(grep '^installed: ' "$W/kernel-install.log")"
	grep -E 'dkms|xt-pktstat|xt_pktstat|Building|Signing|Installing' "$W/kernel-install.log" | head -n 12 | sed 's/^/# apt: /'
	t_eq "DKMS built and installed xt-pktstat/$V for $KNEW by itself" installed "$(dkms_state "$V" "$KNEW")"
	modn=$(modfile "$KNEW")
	case $modn in
	/lib/modules/$KNEW/updates/dkms/xt_pktstat.ko*) ok "$KNEW: modprobe finds the DKMS module ($modn)" ;;
	*) not_ok "$KNEW: modprobe finds the DKMS module" "modinfo -k $KNEW -n xt_pktstat: '$modn'" ;;
	esac
	if [ -n "$modn" ] && [ -e "$CH$modn" ]; then
		t_eq "$KNEW: the module's vermagic is $KNEW" "$KNEW" "$(X modinfo -F vermagic "$modn" | cut -d' ' -f1)"
		guest_test "$KNEW" "$modn"
	fi
fi

# ================================================================ 5. package upgrade
# From the source package of step 1, with a changelog entry on top.
build_v2() {
	X env V="$V" V2="$V2" IW="$IW" bash -ec '
		rm -rf "$IW/v2"
		mkdir -p "$IW/v2"
		dpkg-source -x "$IW/v1/xt-pktstat_$V.dsc" "$IW/v2/xt-pktstat-$V2"
		cd "$IW/v2/xt-pktstat-$V2"
		maint=$(sed -n "s/^ -- \(.*>\)  .*/\1/p" debian/changelog | head -n 1)
		{
			printf "xt-pktstat (%s) unstable; urgency=medium\n\n" "$V2"
			printf "  * Package upgrade test build (tests/packages/check-packages.sh).\n\n"
			printf " -- %s  %s\n\n" "$maint" "$(date -R)"
			cat debian/changelog
		} > debian/changelog.new
		mv debian/changelog.new debian/changelog
		dpkg-buildpackage -us -uc -b'
}
step build-v2 "build the packages again as version $V2" build_v2
# shellcheck disable=SC2046
step upgrade "apt-get install ./*.deb: upgrade $V -> $V2" X apt-get install -y $(for f in "$CW"/v2/*.deb; do inpath "$f"; done)
for p in xt-pktstat xt-pktstat-dkms; do
	t_eq "$p upgraded to $V2" "$V2" "$(X dpkg-query -W -f='${Version}' $p 2>&1)"
done
X dkms status -m xt-pktstat 2>/dev/null | sed 's/^/# dkms status: /'
t_eq "after the upgrade DKMS knows one version: $V2" "$V2" "$(dkms_versions)"
for k in $KERNELS $KNEW; do
	t_eq "xt-pktstat/$V2 installed for $k" installed "$(dkms_state "$V2" "$k")"
	t_true "$k: a module is installed" test -n "$(modfile "$k")"
done
t_true "the old DKMS tree (/var/lib/dkms/xt-pktstat/$V) is gone" test ! -e "$CH/var/lib/dkms/xt-pktstat/$V"
t_true "the old source (/usr/src/xt-pktstat-$V) is gone" test ! -e "$CH/usr/src/xt-pktstat-$V"
t_true "the new source (/usr/src/xt-pktstat-$V2/dkms.conf) is there" test -f "$CH/usr/src/xt-pktstat-$V2/dkms.conf"

# ================================================================ 6. remove, purge
no_module_left() {
	local k f bad=0
	for k in "$CH"/lib/modules/*; do
		k=${k##*/}
		if f=$(modfile "$k"); then
			echo "modinfo -k $k still finds $f"; bad=1
		fi
	done
	f=$(find "$CH/lib/modules" -name 'xt_pktstat.ko*' 2>/dev/null)
	[ -z "$f" ] || { echo "left: $f"; bad=1; }
	return $bad
}
# shellcheck disable=SC2046
step remove "apt-get remove $(ours_known ii | xargs)" X apt-get remove -y $(ours_known ii)
t_true "after remove: no xt_pktstat module under /lib/modules, for any kernel" no_module_left
t_true "after remove: no DKMS tree (/var/lib/dkms/xt-pktstat)" test ! -e "$CH/var/lib/dkms/xt-pktstat"
t_eq "after remove: no source (/usr/src/xt-pktstat-*)" "" "$(ls -d "$CH"/usr/src/xt-pktstat-* 2>/dev/null)"
t_true "after remove: no extension ($XTLIBDIR/libxt_pktstat.so)" test ! -e "$CH$XTLIBDIR/libxt_pktstat.so"
t_true "after remove: no reader program (/usr/sbin/xt-pktstat)" test ! -e "$CH/usr/sbin/xt-pktstat"
t_true "after remove: $CONF kept (a conffile stays until purge)" test -f "$CH$CONF"
step purge "apt-get purge $(ours_known | xargs)" purge_ours
t_true "after purge: $CONF gone" test ! -e "$CH$CONF"
t_not "after purge: dpkg knows none of our packages" ours_present
t_eq "after purge: nothing named xt_pktstat/xt-pktstat under /lib/modules /var/lib/dkms /usr/src /etc" "" \
	"$(cd "$CH" && find lib/modules var/lib/dkms usr/src etc \( -name '*xt_pktstat*' -o -name 'xt-pktstat*' \) 2>/dev/null)"

# ================================================================ 7. RPM
if step make-rpm "make rpm (rpmbuild -bb, in the root)" X make -C "$IW/tree" rpm; then
	R=$CW/tree/build/rpm/RPMS
	RPM='' RPMDKMS=''
	for f in "$R"/*/xt-pktstat-"$RPMV"-*.rpm; do [ -e "$f" ] && RPM=$(inpath "$f"); done
	for f in "$R"/noarch/xt-pktstat-dkms-"$RPMV"-*.noarch.rpm; do [ -e "$f" ] && RPMDKMS=$(inpath "$f"); done
	t_true "xt-pktstat RPM built" test -n "$RPM"
	t_true "xt-pktstat-dkms noarch RPM built" test -n "$RPMDKMS"
	if [ -n "$RPM" ] && [ -n "$RPMDKMS" ]; then
		libdir=$(X rpm --eval '%{_libdir}')
		X rpm -qlp "$RPM" > "$W/rpm.files" 2>/dev/null
		X rpm -qlp "$RPMDKMS" > "$W/rpmdkms.files" 2>/dev/null
		sed 's/^/# rpm -qlp xt-pktstat: /' "$W/rpm.files"
		for f in "$libdir/xtables/libxt_pktstat.so" /etc/modprobe.d/xt_pktstat.conf \
			/usr/sbin/xt-pktstat /etc/sysconfig/xt-pktstat $MON_DASHBOARD $MON_RULES; do
			t_true "xt-pktstat RPM holds $f" grep -qx "$f" "$W/rpm.files"
		done
		t_true "xt-pktstat RPM holds the collector's unit" \
			grep -q '/systemd/system/xt-pktstat\.service$' "$W/rpm.files"
		t_true "xt-pktstat RPM holds the man page" grep -q '^/usr/share/man/man8/xt_pktstat\.8' "$W/rpm.files"
		X rpm -qpc "$RPM" > "$W/rpm.conffiles" 2>/dev/null
		t_true "xt-pktstat RPM: the modprobe.d file is %config" \
			grep -qx /etc/modprobe.d/xt_pktstat.conf "$W/rpm.conffiles"
		S=/usr/src/xt-pktstat-$RPMV
		for f in $S/dkms.conf $S/src/Makefile $S/src/Kbuild $S/src/probe.sh $S/src/pktstat_match.c; do
			t_true "xt-pktstat-dkms RPM holds $f" grep -qx "$f" "$W/rpmdkms.files"
		done
		t_eq "xt-pktstat-dkms RPM is noarch" noarch "$(X rpm -qp --qf '%{ARCH}' "$RPMDKMS" 2>/dev/null)"
		X rpm2cpio "$RPMDKMS" | (cd "$W" && cpio -i --quiet --to-stdout ".$S/dkms.conf") > "$W/rpm-dkms.conf"
		t_true "RPM dkms.conf: PACKAGE_VERSION=\"$RPMV\"" grep -qx "PACKAGE_VERSION=\"$RPMV\"" "$W/rpm-dkms.conf"
		req=$(X rpm -qp --requires "$RPMDKMS" 2>/dev/null)
		t_true "xt-pktstat-dkms RPM requires dkms and xt-pktstat = $RPMV" \
			sh -c "echo '$req' | grep -qx dkms && echo '$req' | grep -q '^xt-pktstat = $RPMV-'"
		X rpm -qp --scripts "$RPMDKMS" > "$W/rpm.scripts" 2>/dev/null
		sed 's/^/# rpm -qp --scripts: /' "$W/rpm.scripts"
		awk '/^postinstall scriptlet/ {p = 1; next} / scriptlet / {p = 0} p' "$W/rpm.scripts" > "$W/rpm.post"
		awk '/^preuninstall scriptlet/ {p = 1; next} / scriptlet / {p = 0} p' "$W/rpm.scripts" > "$W/rpm.preun"
		for a in add build install; do
			t_true "%post runs dkms $a" grep -q "dkms $a -m xt-pktstat -v $RPMV" "$W/rpm.post"
		done
		t_eq "%preun: dkms remove only when \$1 is 0 (erase), not on upgrade" \
			"$(printf '%s\n' 'if [ "$1" -eq 0 ]; then' "	dkms remove -m xt-pktstat -v $RPMV --all || :")" \
			"$(grep -B1 'dkms remove' "$W/rpm.preun")"
	fi
fi

# ---------------------------------------------------------------- 7b. RPM scriptlets, run
# Debian's rpm installs RPMs too: with a private database (build/pkgtest/
# rpmdb) and --nodeps (that database knows none of the Debian packages), the
# scriptlets run for real against this machine's dkms: install, an upgrade
# to a new release of the same version, an upgrade to a new version, erase.
RPMV2=$RPMV+test1
if [ -n "${RPM:-}" ] && [ -n "${RPMDKMS:-}" ]; then
	mkdir -p "$CH$RPMDB" && X rpm --initdb --dbpath "$RPMDB"
	step rpm-variants "build the RPMs again as $RPMV-2 and $RPMV2-1" rpm_variants
	step rpm-install "rpm -i both RPMs ($RPMV-1): %post adds, builds, installs" \
		rpmq -i --nodeps "$RPM" "$RPMDKMS"
	for k in $KERNELS; do
		t_eq "rpm $RPMV-1: xt-pktstat/$RPMV installed for $k" installed "$(dkms_state "$RPMV" "$k")"
	done
	t_true "rpm $RPMV-1: the library is in $libdir/xtables" test -f "$CH$libdir/xtables/libxt_pktstat.so"
	# shellcheck disable=SC2046
	step rpm-upgrade-release "rpm -U to $RPMV-2 (same version): %preun keeps the module" \
		rpmq -U --nodeps $(for f in "$CW/rpm-$RPMV-2"/RPMS/*/*.rpm; do inpath "$f"; done)
	rpm_state | sed 's/^/# /'
	t_eq "rpm $RPMV-2: DKMS knows $RPMV only" "$RPMV" "$(dkms_versions)"
	for k in $KERNELS; do
		t_eq "rpm $RPMV-2: xt-pktstat/$RPMV still installed for $k" installed "$(dkms_state "$RPMV" "$k")"
		t_true "rpm $RPMV-2: $k has the module file" test -n "$(modfile "$k")"
	done
	# shellcheck disable=SC2046
	step rpm-upgrade-version "rpm -U to $RPMV2-1 (new version)" \
		rpmq -U --nodeps $(for f in "$CW/rpm-$RPMV2-1"/RPMS/*/*.rpm; do inpath "$f"; done)
	rpm_state | sed 's/^/# /'
	t_eq "rpm $RPMV2: DKMS knows $RPMV2 only" "$RPMV2" "$(dkms_versions)"
	for k in $KERNELS; do
		t_eq "rpm $RPMV2: xt-pktstat/$RPMV2 installed for $k" installed "$(dkms_state "$RPMV2" "$k")"
	done
	t_true "rpm $RPMV2: /usr/src/xt-pktstat-$RPMV is gone" test ! -e "$CH/usr/src/xt-pktstat-$RPMV"
	step rpm-erase "rpm -e both: %preun removes the module" rpmq -e --nodeps xt-pktstat-dkms xt-pktstat
	rpm_state | sed 's/^/# /'
	t_eq "after rpm -e: nothing named xt_pktstat/xt-pktstat under /lib/modules /var/lib/dkms /usr/src /etc $libdir" "" \
		"$(cd "$CH" && find lib/modules var/lib/dkms usr/src etc "${libdir#/}/xtables" \( -name '*xt_pktstat*' -o -name 'xt-pktstat*' \) 2>/dev/null)"
fi

# ================================================================ end
trap - EXIT
cleanup
t_true "the root is unmounted and removed" test ! -e "$CH" -o "${PKG_KEEP_ROOT:-0}" = 1
t_eq "nothing is left mounted under $W" "" "$(mounts_under "$W" | tr '\n' ' ')"
host_packages > "$W/host-packages.after"
t_eq "this machine's kernel, dkms, packaging and iptables packages are as they were (dpkg-query -W before and after)" "" \
	"$(diff "$W/host-packages.before" "$W/host-packages.after" | grep '^[<>]' | head -n 20)"
t_eq "this machine has no xt_pktstat module, DKMS tree or source of ours" "" \
	"$(find /lib/modules /var/lib/dkms /usr/src \( -name 'xt_pktstat.ko*' -o -name 'xt-pktstat*' \) 2>/dev/null | head -n 5)"
diag "times:$TIMES total=$(($(date +%s) - START))s"
echo "$T_PASS passed, $T_FAIL failed"
[ "$T_FAIL" = 0 ]
