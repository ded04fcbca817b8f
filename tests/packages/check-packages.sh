#!/bin/bash
# make check-packages: the Debian and RPM packages, built, linted, installed,
# exercised, upgraded and removed for real on this machine (as root).
#
#   1. make deb from a clean copy of the tree; what the two .debs hold;
#      lintian (no errors allowed; every tag it prints is shown).
#   2. apt-get install ./*.deb: DKMS builds and installs the module for every
#      kernel that has headers; the modprobe.d file documents every module
#      parameter and sets none; the host's iptables finds the extension.
#   3. QEMU boots that kernel with the installed module and the installed
#      extension (not the build tree's), and tests/packages/guest-installed.sh
#      adds a rule, sends traffic, reads data, and checks that the installed
#      modprobe.d file leaves the defaults and that an option set in it
#      takes effect.
#   4. Kernel upgrade: installing the headers of the newest kernel of
#      <codename>-backports (through a private apt configuration; nothing is
#      added to /etc/apt) makes DKMS build the module for it with no command
#      from us; QEMU boots that kernel and runs the same guest test.
#   5. Package upgrade to a rebuilt version (<version>+test1): one DKMS
#      version left, installed for every kernel; the old one gone.
#   6. apt-get remove, then purge: no module, no DKMS tree, no source, no
#      library; the modprobe.d conffile stays until the purge (Debian
#      policy), then goes.
#   7. make rpm: both RPMs, their files (rpm -qlp), their dependencies and
#      scriptlets (rpm -qp --scripts: dkms add/build/install; remove only on
#      erase).  Then the scriptlets run for real (Debian's rpm, a private
#      database, --nodeps): install, upgrade to a new release of the same
#      version, upgrade to a new version, erase.
#
# It installs its own dependencies (tests/deps.sh).  At the end (and on any
# exit) our packages are purged and the kernel packages it installed are
# purged again (a list of them is kept in build/pkgtest-kernel-packages for
# a run that was killed).  Output: "ok"/"not ok" lines, then
# "N passed, M failed"; logs in build/pkgtest/.
#
# Environment: PKG_QEMU_TIMEOUT (seconds per guest boot, default 900),
# PKG_SKIP_KERNEL_UPGRADE=1 skips step 4 (counted as a failure).
set -u
cd "$(dirname "$0")/../.."
TOP=$(pwd)
W=$TOP/build/pkgtest
KSTATE=$TOP/build/pkgtest-kernel-packages
QEMU_WORKDIR=$TOP/build/qemu-pkg
QEMU_TIMEOUT=${PKG_QEMU_TIMEOUT:-900}
export DEBIAN_FRONTEND=noninteractive
export LC_ALL=C
START=$(date +%s)

if [ "$(id -u)" != 0 ]; then
	echo "not ok 1 - check-packages installs packages and kernels: run it as root"
	echo "0 passed, 1 failed"
	exit 1
fi
mkdir -p "$TOP/build"
rm -rf "$W"
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
installed() { dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null | grep -q '^ii'; }
known() { dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null | grep -q '^[a-z][a-zA-Z]'; }
OURS="xt-pktstat xt-pktstat-dkms xt-pktstat-dbgsym"
ours_present() {
	local p
	for p in $OURS; do
		dpkg-query -W -f='${db:Status-Abbrev}\n' "$p" 2>/dev/null | grep -q '^[a-z][a-z]' && return 0
	done
	return 1
}
# ours_known [ii]: those of our packages dpkg knows (installed, or with
# configuration files left), or with "ii" only the installed ones.
ours_known() {
	local p
	for p in $OURS; do
		dpkg-query -W -f='${db:Status-Abbrev}\n' "$p" 2>/dev/null |
			grep -q "^${1:-[a-z][a-z]}" && echo "$p"
	done
}
purge_ours() {
	local l
	l=$(ours_known)
	# shellcheck disable=SC2086
	[ -z "$l" ] || apt-get purge -y $l
}
purge_kernels() {
	[ -s "$KSTATE" ] || return 0
	# shellcheck disable=SC2046
	apt-get purge -y $(cat "$KSTATE") && rm -f "$KSTATE"
}
cleanup() {
	rpm_cleanup > "$W/cleanup-rpm.log" 2>&1
	if ours_present; then
		echo "# cleanup: purging our packages" >&2
		purge_ours > "$W/cleanup-ours.log" 2>&1
	fi
	if [ -s "$KSTATE" ]; then
		echo "# cleanup: purging the kernel packages this test installed" >&2
		purge_kernels > "$W/cleanup-kernels.log" 2>&1
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# RPMs installed with a private database (step 7b).
RPMDB=$W/rpmdb
rpmq() { rpm --dbpath "$RPMDB" "$@"; }
# rpm_variant VERSION RELEASE: build the RPMs again as VERSION-RELEASE
# into build/pkgtest/rpm-VERSION-RELEASE/RPMS.
rpm_variant() (
	set -e
	local t=$W/rpm-$1-$2
	rm -rf "$t"
	mkdir -p "$t/SOURCES" "$t/x"
	tar -xzf "$TOP/build/rpm/SOURCES/xt-pktstat-$RPMV.tar.gz" -C "$t/x"
	[ "$1" = "$RPMV" ] || mv "$t/x/xt-pktstat-$RPMV" "$t/x/xt-pktstat-$1"
	tar -czf "$t/SOURCES/xt-pktstat-$1.tar.gz" -C "$t/x" "xt-pktstat-$1"
	sed -e "s/^Version:.*/Version:        $1/" -e "s/^Release:.*/Release:        $2%{?dist}/" \
		"$TOP/rpm/xt-pktstat.spec" > "$t/xt-pktstat.spec"
	rpmbuild -bb --nodeps --define "_topdir $t" "$t/xt-pktstat.spec"
)
rpm_variants() { rpm_variant "$RPMV" 2 && rpm_variant "$RPMV2" 1; }
rpm_state() {	# one line: what rpm and dkms say, and which module files exist
	echo "rpm: $(rpmq -qa | sort | tr '\n' ' ')"
	echo "dkms: $(dkms status -m xt-pktstat 2>/dev/null | tr '\n' ';')"
	echo "modules: $(find /lib/modules -name 'xt_pktstat.ko*' | tr '\n' ' ')"
}
rpm_cleanup() {
	[ -d "$RPMDB" ] || return 0
	local l
	l=$(rpmq -qa 'xt-pktstat*' 2>/dev/null)
	# shellcheck disable=SC2086
	[ -z "$l" ] || rpmq -e --nodeps $l
	rmdir "$(rpm --eval '%{_libdir}')/xtables" 2>/dev/null
	return 0
}

# Kernels that have headers (where DKMS can build).
kernels_with_headers() {
	local d
	for d in /lib/modules/*/build; do
		[ -e "$d/include" ] && basename "$(dirname "$d")"
	done
}
# dkms_line VERSION KERNEL: dkms status line of our module, or empty
dkms_state() {
	dkms status -m xt-pktstat -v "$1" -k "$2" 2>/dev/null | sed -n 's/.*: //p' | head -n 1
}
dkms_versions() {
	dkms status -m xt-pktstat 2>/dev/null | sed -n 's,^xt-pktstat[/,] *\([^,:]*\).*,\1,p' | sort -u | tr '\n' ' ' | sed 's/ $//'
}
sha() { sha256sum "$1" | cut -d' ' -f1; }

# guest_test KVER MODULE: boot KVER under QEMU with MODULE and the installed
# extension, run guest-installed.sh; its results become ours ("KVER guest: ").
guest_test() {
	local kver=$1 module=$2 lib conf log rc script b64 cmd
	lib=$XTLIBDIR/libxt_pktstat.so
	conf=/etc/modprobe.d/xt_pktstat.conf
	log=$W/guest-$kver.log
	for f in "$module" "$lib" "$conf" "/boot/vmlinuz-$kver"; do
		[ -e "$f" ] || { not_ok "$kver guest: $f exists"; return 1; }
	done
	# The harness puts MODULE and EXTLIB in the image; the installed
	# modprobe.d file and the test itself travel in the command (the
	# harness has no hook for other files).
	script=$W/guest-$kver.sh
	{
		echo "EXP_KVER='$kver'"
		echo "EXP_MOD_SHA='$(sha "$module")'"
		case $module in	# the harness may copy it decompressed
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
	KVER=$kver MODULE=$module EXTLIB=$lib WORKDIR=$QEMU_WORKDIR \
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
step deps "dependencies installed (tests/deps.sh)" tests/deps.sh || {
	echo "$T_PASS passed, $T_FAIL failed"; exit 1; }
XTLIBDIR=$(pkg-config --variable=xtlibdir xtables)
MULTIARCH=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
# Leftovers of an interrupted run.
if ours_present || [ -s "$KSTATE" ]; then
	diag "purging what an earlier run left installed"
	cleanup
fi
for p in $OURS; do
	if known "$p"; then not_ok "no xt-pktstat package installed before the test ($p is)"; fi
done

V=$(dpkg-parsechangelog -l debian/changelog -S Version)
V2=$V+test1
RPMV=$(sed -n 's/^Version:[[:space:]]*//p' rpm/xt-pktstat.spec)
t_eq "rpm/xt-pktstat.spec has the version of debian/changelog" "$V" "$RPMV"

# ================================================================ 1. build
if step make-deb "make deb builds the packages from a clean copy of the tree" make deb; then
	mkdir -p "$W/v1"
	cp build/deb/*.deb build/deb/*.changes build/deb/*.buildinfo build/deb/*.dsc \
		build/deb/*.tar.* "$W/v1/"
fi
DEB=$W/v1/xt-pktstat_${V}_$(dpkg --print-architecture).deb
DKMSDEB=$W/v1/xt-pktstat-dkms_${V}_all.deb
t_true "xt-pktstat_${V} (Architecture: any) built" test -s "$DEB"
t_true "xt-pktstat-dkms_${V}_all built" test -s "$DKMSDEB"

if [ -s "$DEB" ] && [ -s "$DKMSDEB" ]; then
	dpkg-deb -c "$DEB" | awk '{print $6}' | sed 's,^\./,/,' > "$W/deb.files"
	dpkg-deb -c "$DKMSDEB" | awk '{print $6}' | sed 's,^\./,/,' > "$W/dkmsdeb.files"
	for f in "$XTLIBDIR/libxt_pktstat.so" /etc/modprobe.d/xt_pktstat.conf \
		/usr/share/man/man8/xt_pktstat.8.gz /usr/sbin/xt-pktstat \
		/usr/share/man/man8/xt-pktstat.8.gz \
		/lib/systemd/system/xt-pktstat.service /etc/default/xt-pktstat; do
		t_true "xt-pktstat ships $f" grep -qx "$f" "$W/deb.files"
	done
	t_true "xt-pktstat: the extension is in iptables' xtlibdir (/usr/lib/$MULTIARCH/xtables)" \
		test "$XTLIBDIR" = "/usr/lib/$MULTIARCH/xtables"
	dpkg-deb --ctrl-tarfile "$DEB" | tar -xOf - ./conffiles > "$W/conffiles" 2>&1
	t_true "xt-pktstat: /etc/modprobe.d/xt_pktstat.conf is a conffile" \
		grep -qx /etc/modprobe.d/xt_pktstat.conf "$W/conffiles"
	S=/usr/src/xt-pktstat-$V
	for f in $S/dkms.conf $S/src/Makefile $S/src/Kbuild $S/src/probe.sh \
		$S/src/probes/pde_data.c $S/src/pktstat_match.c $S/src/xt_pktstat.h; do
		t_true "xt-pktstat-dkms ships $f" grep -qx "$f" "$W/dkmsdeb.files"
	done
	t_not "xt-pktstat-dkms ships no build products" \
		grep -E '\.(o|ko|mod|cmd)$|\.mod\.c$|pktstat_probed\.h$' "$W/dkmsdeb.files"
	dpkg-deb --fsys-tarfile "$DKMSDEB" | tar -xOf - ".$S/dkms.conf" > "$W/dkms.conf"
	for l in 'PACKAGE_NAME="xt-pktstat"' "PACKAGE_VERSION=\"$V\"" \
		'BUILT_MODULE_NAME[0]="xt_pktstat"' 'AUTOINSTALL="yes"'; do
		t_true "the packaged dkms.conf says $l" grep -qxF "$l" "$W/dkms.conf"
	done
	t_true "the packaged dkms.conf builds with src/Makefile against \${kernel_source_dir}" \
		grep -qxF 'MAKE[0]="make -C src KERNEL_DIR=${kernel_source_dir}"' "$W/dkms.conf"
	dep=$(dpkg-deb -f "$DKMSDEB" Depends)
	diag "xt-pktstat-dkms Depends: $dep"
	for d in "dkms" "xt-pktstat (>= $V)" "xt-pktstat (<< $V.1~)"; do
		case ", $dep," in
		*", $d"[\ ,]*) ok "xt-pktstat-dkms depends on $d" ;;
		*) not_ok "xt-pktstat-dkms depends on $d" "Depends: $dep" ;;
		esac
	done
	t_eq "xt-pktstat-dkms is Architecture: all" all "$(dpkg-deb -f "$DKMSDEB" Architecture)"
fi

# lintian: errors fail; warnings and the rest are listed.
if [ -s "$W/v1/xt-pktstat_${V}_$(dpkg --print-architecture).changes" ]; then
	t0=$(date +%s)
	lintian --pedantic -I -E --show-overrides \
		"$W/v1/xt-pktstat_${V}_$(dpkg --print-architecture).changes" > "$W/lintian.log" 2>&1
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
diag "kernels with headers: $KERNELS (running: $(uname -r))"
step install-v1 "apt-get install ./*.deb ($V)" apt-get install -y "$W"/v1/*.deb
for p in xt-pktstat xt-pktstat-dkms; do
	t_eq "$p $V installed" "ii $V" "$(dpkg-query -W -f='${db:Status-Abbrev}|${Version}' $p 2>&1 | sed 's/ *|/ /')"
done
sed -n '/Building for/,$p' "$W/install-v1.log" | grep -E 'Building|Done|Skipped|xt_pktstat|Error|error' | head -n 8 | sed 's/^/# postinst: /'
dkms status -m xt-pktstat 2>/dev/null | sed 's/^/# dkms status: /'
first=
for k in $KERNELS; do
	t_eq "dkms status: xt-pktstat/$V built and installed for $k" installed "$(dkms_state "$V" "$k")"
	mod=$(modinfo -k "$k" -n xt_pktstat 2>/dev/null)
	case $mod in
	/lib/modules/$k/updates/dkms/xt_pktstat.ko*) ok "$k: modprobe finds the DKMS module ($mod)" ;;
	*) not_ok "$k: modprobe finds the DKMS module" "modinfo -k $k -n xt_pktstat: '$mod'" ;;
	esac
	[ -n "$mod" ] && [ -e "$mod" ] || continue
	t_eq "$k: the module's vermagic is $k" "$k" "$(modinfo -F vermagic "$mod" | cut -d' ' -f1)"
	t_not "$k: the module belongs to no package (DKMS built it here)" dpkg -S "$mod"
	signer=$(modinfo -F signer "$mod")
	t_eq "$k: DKMS signed the module with its MOK key (/var/lib/dkms/mok.pub)" "DKMS module signing key" "$signer"
	[ -z "$first" ] && first=$mod
done
mok_subject() { openssl x509 -inform DER -in /var/lib/dkms/mok.pub -noout -subject; }
t_eq "DKMS's MOK certificate /var/lib/dkms/mok.pub (for mokutil --import) is the signer's" \
	"subject=CN = DKMS module signing key" "$(mok_subject 2>&1)"

# modprobe.d: every parameter documented, none set.
CONF=/etc/modprobe.d/xt_pktstat.conf
t_true "$CONF installed" test -f "$CONF"
t_eq "$CONF belongs to xt-pktstat" "xt-pktstat: $CONF" "$(dpkg -S "$CONF" 2>&1)"
t_eq "$CONF sets nothing (every options line commented out)" 0 \
	"$(grep -c '^[[:space:]]*options' "$CONF")"
if [ -n "$first" ]; then
	params=$(modinfo -F parm "$first" | cut -d: -f1 | tr '\n' ' ')
	diag "module parameters: $params"
	for p in $params; do
		t_true "$CONF explains $p" grep -q "^# $p:" "$CONF"
		t_true "$CONF has $p as a commented-out options line" \
			grep -q "^#options xt_pktstat $p=" "$CONF"
	done
else
	not_ok "module parameters: no installed module to read them from"
fi
t_true "the host's iptables finds the installed extension (iptables -m pktstat --help)" \
	grep -q -- '--period' <<<"$(iptables -m pktstat --help 2>&1)"

# ================================================================ 3. QEMU
K1=
for k in $KERNELS; do
	[ -e "/boot/vmlinuz-$k" ] && [ -d "/lib/modules/$k/kernel" ] && K1=$k
done
if [ -n "$K1" ] && mod=$(modinfo -k "$K1" -n xt_pktstat 2>/dev/null); then
	guest_test "$K1" "$mod"
else
	not_ok "QEMU: a kernel with headers and an installed module to boot"
fi

# ================================================================ 4. kernel upgrade
# A private apt configuration: this machine's sources plus
# <codename>-backports on the same mirror, lists in build/pkgtest/apt.
kernel_upgrade() {
	local codename uri keyring ver
	codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
	mkdir -p "$W/apt/sources.list.d" "$W/apt/lists/partial"
	cp /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list "$W/apt/sources.list.d/" 2>/dev/null
	[ -f /etc/apt/sources.list ] && cp /etc/apt/sources.list "$W/apt/sources.list.d/main.list"
	# The mirror of the main suite, from the deb822 or one-line sources.
	uri=$(awk -v s="$codename" '
		function flush() { if (has && u != "" && found == "") found = u; u = ""; has = 0 }
		FNR == 1 || /^[ \t]*$/ { flush() }
		/^URIs:/ { u = $2 }
		/^Suites:/ { for (i = 2; i <= NF; i++) if ($i == s) has = 1 }
		/^deb[ \t]/ {	# one-line style: deb [options] URI SUITE COMPONENTS
			n = 2
			if ($2 ~ /^\[/) { while (n <= NF && $n !~ /\]$/) n++; n++ }
			if ($(n + 1) == s && found == "") found = $n
		}
		END { flush(); if (found != "") print found }' "$W"/apt/sources.list.d/*)
	keyring=/usr/share/keyrings/debian-archive-keyring.gpg
	[ -n "$uri" ] || { echo "no apt source for $codename found"; return 1; }
	printf 'Types: deb\nURIs: %s\nSuites: %s-backports\nComponents: main\nSigned-By: %s\n' \
		"$uri" "$codename" "$keyring" > "$W/apt/sources.list.d/zz-backports.sources"
	APT_BPO="-o Dir::Etc::sourcelist=/dev/null -o Dir::Etc::sourceparts=$W/apt/sources.list.d -o Dir::State::Lists=$W/apt/lists"
	# shellcheck disable=SC2086
	apt-get $APT_BPO update -q || return 1
	# shellcheck disable=SC2086
	ver=$(apt-cache $APT_BPO madison linux-headers-amd64 | awk -F' *[|] *' '$3 ~ /-backports/ {print $2; exit}')
	[ -n "$ver" ] || { echo "no linux-headers-amd64 in $codename-backports"; return 1; }
	# shellcheck disable=SC2086
	KNEW=$(apt-cache $APT_BPO show "linux-headers-amd64=$ver" |
		sed -n 's/^Depends:.*linux-headers-\([^ ,]*-amd64\) .*/\1/p' | head -n 1)
	[ -n "$KNEW" ] || { echo "cannot tell the kernel release of linux-headers-amd64 $ver"; return 1; }
	echo "backports kernel: $KNEW ($ver)"
	if [ -d "/lib/modules/$KNEW/build" ]; then
		echo "linux-headers-$KNEW is already installed: leaving it (reinstall)"
	fi
	dpkg-query -W -f='${Package}\n' | sort > "$W/pkgs.before"
	# The headers (they depend on the image).  No initramfs: QEMU boots
	# the harness's own.  Nothing else is asked of DKMS.
	local again=
	[ -d "/lib/modules/$KNEW/build" ] && again=--reinstall
	# shellcheck disable=SC2086
	INITRD=No apt-get $APT_BPO install -y --no-install-recommends $again "linux-headers-$KNEW"
	local rc=$?
	dpkg-query -W -f='${Package}\n' | sort > "$W/pkgs.after"
	comm -13 "$W/pkgs.before" "$W/pkgs.after" >> "$KSTATE"
	return $rc
}
KNEW=
if [ "${PKG_SKIP_KERNEL_UPGRADE:-0}" = 1 ]; then
	not_ok "kernel upgrade: skipped (PKG_SKIP_KERNEL_UPGRADE=1)"
elif step kernel-install "install the headers of the newest backports kernel (apt-get install linux-headers-<release>)" kernel_upgrade; then
	KNEW=$(sed -n 's/^backports kernel: \([^ ]*\) .*/\1/p' "$W/kernel-install.log")
	diag "kernel installed: $KNEW; packages: $(tr '\n' ' ' < "$KSTATE")"
	grep -E 'dkms|xt-pktstat|xt_pktstat|Building|Signing|Installing' "$W/kernel-install.log" | head -n 12 | sed 's/^/# apt: /'
	t_eq "DKMS built and installed xt-pktstat/$V for $KNEW by itself" installed "$(dkms_state "$V" "$KNEW")"
	modn=$(modinfo -k "$KNEW" -n xt_pktstat 2>/dev/null)
	case $modn in
	/lib/modules/$KNEW/updates/dkms/xt_pktstat.ko*) ok "$KNEW: modprobe finds the DKMS module ($modn)" ;;
	*) not_ok "$KNEW: modprobe finds the DKMS module" "modinfo -k $KNEW -n xt_pktstat: '$modn'" ;;
	esac
	if [ -n "$modn" ] && [ -e "$modn" ]; then
		t_eq "$KNEW: the module's vermagic is $KNEW" "$KNEW" "$(modinfo -F vermagic "$modn" | cut -d' ' -f1)"
		guest_test "$KNEW" "$modn"
	fi
fi

# ================================================================ 5. package upgrade
# From the source package of step 1, with a changelog entry on top.
build_v2() (
	set -e
	rm -rf "$W/v2"
	mkdir -p "$W/v2"
	dpkg-source -x "$W/v1/xt-pktstat_$V.dsc" "$W/v2/xt-pktstat-$V2"
	cd "$W/v2/xt-pktstat-$V2"
	maint=$(sed -n 's/^ -- \(.*>\)  .*/\1/p' debian/changelog | head -n 1)
	{
		printf 'xt-pktstat (%s) unstable; urgency=medium\n\n' "$V2"
		printf '  * Package upgrade test build (tests/packages/check-packages.sh).\n\n'
		printf ' -- %s  %s\n\n' "$maint" "$(date -R)"
		cat debian/changelog
	} > debian/changelog.new
	mv debian/changelog.new debian/changelog
	dpkg-buildpackage -us -uc -b
)
step build-v2 "build the packages again as version $V2" build_v2
step upgrade "apt-get install ./*.deb: upgrade $V -> $V2" apt-get install -y "$W"/v2/*.deb
for p in xt-pktstat xt-pktstat-dkms; do
	t_eq "$p upgraded to $V2" "$V2" "$(dpkg-query -W -f='${Version}' $p 2>&1)"
done
dkms status -m xt-pktstat 2>/dev/null | sed 's/^/# dkms status: /'
t_eq "after the upgrade DKMS knows one version: $V2" "$V2" "$(dkms_versions)"
for k in $KERNELS $KNEW; do
	t_eq "xt-pktstat/$V2 installed for $k" installed "$(dkms_state "$V2" "$k")"
	t_true "$k: a module is installed" test -n "$(modinfo -k "$k" -n xt_pktstat 2>/dev/null)"
done
t_true "the old DKMS tree (/var/lib/dkms/xt-pktstat/$V) is gone" test ! -e "/var/lib/dkms/xt-pktstat/$V"
t_true "the old source (/usr/src/xt-pktstat-$V) is gone" test ! -e "/usr/src/xt-pktstat-$V"
t_true "the new source (/usr/src/xt-pktstat-$V2/dkms.conf) is there" test -f "/usr/src/xt-pktstat-$V2/dkms.conf"

# ================================================================ 6. remove, purge
no_module_left() {
	local k f bad=0
	for k in /lib/modules/*; do
		k=${k##*/}
		if modinfo -k "$k" -n xt_pktstat >/dev/null 2>&1; then
			echo "modinfo -k $k still finds $(modinfo -k "$k" -n xt_pktstat)"; bad=1
		fi
	done
	f=$(find /lib/modules -name 'xt_pktstat.ko*' 2>/dev/null)
	[ -z "$f" ] || { echo "left: $f"; bad=1; }
	return $bad
}
# shellcheck disable=SC2046
step remove "apt-get remove $(ours_known ii | xargs)" apt-get remove -y $(ours_known ii)
t_true "after remove: no xt_pktstat module under /lib/modules, for any kernel" no_module_left
t_true "after remove: no DKMS tree (/var/lib/dkms/xt-pktstat)" test ! -e /var/lib/dkms/xt-pktstat
t_eq "after remove: no source (/usr/src/xt-pktstat-*)" "" "$(ls -d /usr/src/xt-pktstat-* 2>/dev/null)"
t_true "after remove: no extension ($XTLIBDIR/libxt_pktstat.so)" test ! -e "$XTLIBDIR/libxt_pktstat.so"
t_true "after remove: no reader program (/usr/sbin/xt-pktstat)" test ! -e /usr/sbin/xt-pktstat
t_true "after remove: $CONF kept (a conffile stays until purge)" test -f "$CONF"
step purge "apt-get purge $(ours_known | xargs)" purge_ours
t_true "after purge: $CONF gone" test ! -e "$CONF"
t_not "after purge: dpkg knows none of our packages" ours_present
t_eq "after purge: nothing named xt_pktstat/xt-pktstat under /lib/modules /var/lib/dkms /usr/src /etc" "" \
	"$(find /lib/modules /var/lib/dkms /usr/src /etc \( -name '*xt_pktstat*' -o -name 'xt-pktstat*' \) 2>/dev/null)"

if [ -s "$KSTATE" ]; then
	step kernel-purge "purge the kernel packages the test installed" purge_kernels
	[ -n "$KNEW" ] && t_true "$KNEW: /lib/modules/$KNEW is gone" test ! -e "/lib/modules/$KNEW"
fi

# ================================================================ 7. RPM
if step make-rpm "make rpm (rpmbuild -bb)" make rpm; then
	R=build/rpm/RPMS
	RPM='' RPMDKMS=''
	for f in "$R"/*/xt-pktstat-"$RPMV"-*.rpm; do [ -e "$f" ] && RPM=$f; done
	for f in "$R"/noarch/xt-pktstat-dkms-"$RPMV"-*.noarch.rpm; do [ -e "$f" ] && RPMDKMS=$f; done
	t_true "xt-pktstat RPM built" test -n "$RPM"
	t_true "xt-pktstat-dkms noarch RPM built" test -n "$RPMDKMS"
	if [ -n "$RPM" ] && [ -n "$RPMDKMS" ]; then
		libdir=$(rpm --eval '%{_libdir}')
		rpm -qlp "$RPM" > "$W/rpm.files" 2>/dev/null
		rpm -qlp "$RPMDKMS" > "$W/rpmdkms.files" 2>/dev/null
		sed 's/^/# rpm -qlp xt-pktstat: /' "$W/rpm.files"
		for f in "$libdir/xtables/libxt_pktstat.so" /etc/modprobe.d/xt_pktstat.conf \
			/usr/sbin/xt-pktstat /etc/sysconfig/xt-pktstat; do
			t_true "xt-pktstat RPM holds $f" grep -qx "$f" "$W/rpm.files"
		done
		t_true "xt-pktstat RPM holds the collector's unit" \
			grep -q '/systemd/system/xt-pktstat\.service$' "$W/rpm.files"
		t_true "xt-pktstat RPM holds the man page" grep -q '^/usr/share/man/man8/xt_pktstat\.8' "$W/rpm.files"
		t_true "xt-pktstat RPM: the modprobe.d file is %config" \
			sh -c "rpm -qpc '$RPM' 2>/dev/null | grep -qx /etc/modprobe.d/xt_pktstat.conf"
		S=/usr/src/xt-pktstat-$RPMV
		for f in $S/dkms.conf $S/src/Makefile $S/src/Kbuild $S/src/probe.sh $S/src/pktstat_match.c; do
			t_true "xt-pktstat-dkms RPM holds $f" grep -qx "$f" "$W/rpmdkms.files"
		done
		t_eq "xt-pktstat-dkms RPM is noarch" noarch "$(rpm -qp --qf '%{ARCH}' "$RPMDKMS" 2>/dev/null)"
		rpm2cpio "$RPMDKMS" | (cd "$W" && cpio -i --quiet --to-stdout ".$S/dkms.conf") > "$W/rpm-dkms.conf"
		t_true "RPM dkms.conf: PACKAGE_VERSION=\"$RPMV\"" grep -qx "PACKAGE_VERSION=\"$RPMV\"" "$W/rpm-dkms.conf"
		req=$(rpm -qp --requires "$RPMDKMS" 2>/dev/null)
		t_true "xt-pktstat-dkms RPM requires dkms and xt-pktstat = $RPMV" \
			sh -c "echo '$req' | grep -qx dkms && echo '$req' | grep -q '^xt-pktstat = $RPMV-'"
		rpm -qp --scripts "$RPMDKMS" > "$W/rpm.scripts" 2>/dev/null
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
	mkdir -p "$RPMDB" && rpm --initdb --dbpath "$RPMDB"
	step rpm-variants "build the RPMs again as $RPMV-2 and $RPMV2-1" rpm_variants
	step rpm-install "rpm -i both RPMs ($RPMV-1): %post adds, builds, installs" \
		rpmq -i --nodeps "$RPM" "$RPMDKMS"
	for k in $KERNELS; do
		t_eq "rpm $RPMV-1: xt-pktstat/$RPMV installed for $k" installed "$(dkms_state "$RPMV" "$k")"
	done
	t_true "rpm $RPMV-1: the library is in $libdir/xtables" test -f "$libdir/xtables/libxt_pktstat.so"
	step rpm-upgrade-release "rpm -U to $RPMV-2 (same version): %preun keeps the module" \
		rpmq -U --nodeps "$W/rpm-$RPMV-2"/RPMS/*/*.rpm
	rpm_state | sed 's/^/# /'
	t_eq "rpm $RPMV-2: DKMS knows $RPMV only" "$RPMV" "$(dkms_versions)"
	for k in $KERNELS; do
		t_eq "rpm $RPMV-2: xt-pktstat/$RPMV still installed for $k" installed "$(dkms_state "$RPMV" "$k")"
		t_true "rpm $RPMV-2: $k has the module file" test -n "$(modinfo -k "$k" -n xt_pktstat 2>/dev/null)"
	done
	step rpm-upgrade-version "rpm -U to $RPMV2-1 (new version)" \
		rpmq -U --nodeps "$W/rpm-$RPMV2-1"/RPMS/*/*.rpm
	rpm_state | sed 's/^/# /'
	t_eq "rpm $RPMV2: DKMS knows $RPMV2 only" "$RPMV2" "$(dkms_versions)"
	for k in $KERNELS; do
		t_eq "rpm $RPMV2: xt-pktstat/$RPMV2 installed for $k" installed "$(dkms_state "$RPMV2" "$k")"
	done
	t_true "rpm $RPMV2: /usr/src/xt-pktstat-$RPMV is gone" test ! -e "/usr/src/xt-pktstat-$RPMV"
	step rpm-erase "rpm -e both: %preun removes the module" rpmq -e --nodeps xt-pktstat-dkms xt-pktstat
	rpm_state | sed 's/^/# /'
	t_eq "after rpm -e: nothing named xt_pktstat/xt-pktstat under /lib/modules /var/lib/dkms /usr/src /etc $libdir" "" \
		"$(find /lib/modules /var/lib/dkms /usr/src /etc "$libdir/xtables" \( -name '*xt_pktstat*' -o -name 'xt-pktstat*' \) 2>/dev/null)"
	rpm_cleanup
fi

# ================================================================ end
trap - EXIT
cleanup
t_not "the machine is left without our packages" ours_present
t_true "the machine is left without the test's kernel packages" test ! -s "$KSTATE"
diag "times:$TIMES total=$(($(date +%s) - START))s"
echo "$T_PASS passed, $T_FAIL failed"
[ "$T_FAIL" = 0 ]
