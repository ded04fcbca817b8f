# shellcheck shell=sh
# Runs inside the test guest (tests/hostile/run.sh puts it there with the
# hostile binary, in the current directory).  Every malformed rule must be
# refused with the expected errno, leave the expected kernel log line (or
# none), and leave nothing behind: no /proc/net/xt_pktstat/ entry, the
# module's reference count back to 0, the tables unchanged.  Each case goes
# through four paths, one pass each:
#   ip_tables   IPT_SO_SET_REPLACE on the IPv4 filter table   (hostile CASE)
#   ip6_tables  IP6T_SO_SET_REPLACE on the IPv6 filter table  (hostile -6 CASE)
#   nft ip      nf_tables' compat match, table ip hostile     (hostile nft CASE)
#   nft ip6     the same in table ip6 hostile                 (hostile -6 nft CASE)
# After each pass a valid rule is accepted by that path (positive control)
# and removed; at the end rmmod succeeds and the kernel warned of nothing.
# shellcheck source=/dev/null
. /tests/guest/lib.sh

H=./hostile
P=/proc/net/xt_pktstat

modprobe iptable_filter || t_fail "modprobe iptable_filter"
modprobe ip6table_filter || t_fail "modprobe ip6table_filter"
modprobe xt_pktstat || t_fail "modprobe xt_pktstat"
iptables-legacy -F >/dev/null 2>&1
ip6tables-legacy -F >/dev/null 2>&1
dmesg -c >/dev/null
KLOG=$(pwd)/kernel.log	# the kernel log from here on (for the last check)
: > "$KLOG"

# Both filter tables as iptables-legacy -S prints them: "table unchanged"
# means equal to this (policies ACCEPT, no rule) after every case.
tables_state() {
	echo "ip:"; iptables-legacy -S 2>&1
	echo "ip6:"; ip6tables-legacy -S 2>&1
}
TABLES0=$(tables_state)

leftovers() {
	_l=$(ls -A "$P" 2>&1)
	_r=$(cat /sys/module/xt_pktstat/refcnt 2>&1)
	_t=$(tables_state)
	if [ -z "$_l" ] && [ "$_r" = 0 ] && [ "$_t" = "$TABLES0" ]; then
		return 0
	fi
	echo "proc: [$_l] refcnt: [$_r] tables:"
	echo "$_t"
	echo "expected tables:"
	echo "$TABLES0"
	return 1
}

# nft_leftovers FLAG: FLAG is "" (table ip) or "-6" (table ip6); the table
# "hostile" must not exist (deleting it fails with ENOENT).
nft_leftovers() {
	_l=$(ls -A "$P" 2>&1)
	_r=$(cat /sys/module/xt_pktstat/refcnt 2>&1)
	# shellcheck disable=SC2086 # empty FLAG: no argument
	_d=$($H $1 nft-del 2>&1)
	if [ -z "$_l" ] && [ "$_r" = 0 ] && [ "$_d" = "nft-del: refused errno 2 (No such file or directory)" ]; then
		return 0
	fi
	echo "proc: [$_l] refcnt: [$_r] table: [$_d]"
	return 1
}

# Tab separated:
#   case  x_tables errno(s)  nft errno  nft log  kernel log pattern
# The pattern is for grep -E, %T standing for ip_tables or ip6_tables (the
# family's x_tables prefix, the same in nft_compat); "-": no line of
# xt_pktstat or x_tables at all.  nft log "=": the same line through nft;
# "-": none (nft_compat refuses a short info itself, without a log line).
# nft_compat reports any failure to find the match (revision) as ENOENT.
# xt_pktstat refuses everything with EINVAL (iptables then points to dmesg).
cases='
period-zero		22	22	=	xt_pktstat: name "0": --period 0ns: must be between
period-huge		22	22	=	xt_pktstat: name "0": --period 18446744073709551615ns: must be between
period-999ns		22	22	=	xt_pktstat: name "0": --period 999ns: must be between
period-3600s+1ns	22	22	=	xt_pktstat: name "0": --period 3600000000001ns: must be between
samples-zero		22	22	=	xt_pktstat: name "0": --samples 0: must be between 1 and 65536
samples-over-max	22	22	=	xt_pktstat: name "0": --samples 65537: must be between 1 and 65536
samples-ceil+1		22	22	=	xt_pktstat: name "0": --samples 1048577: must be between
samples-huge		22	22	=	xt_pktstat: name "0": --samples 4294967295: must be between
name-no-nul		22	22	=	xt_pktstat: --name "abcdefghijklmnopqrstuvwxyz012345": must be
name-slash		22	22	=	xt_pktstat: --name "a/b": must be
name-dot		22	22	=	xt_pktstat: --name ".": must be
name-dotdot		22	22	=	xt_pktstat: --name "..": must be
name-empty		22	22	=	xt_pktstat: --name "": must be
name-space		22	22	=	xt_pktstat: --name "a b": must be
name-ctrl		22	22	=	xt_pktstat: --name "a
flags-unknown		22	22	=	xt_pktstat: name "0": unknown flags 0x1
flags-high		22	22	=	xt_pktstat: name "0": unknown flags 0x80000000
size-small		22	22	-	x_tables: %T: pktstat.0 match: invalid size 56 \(kernel\) != \(user\) 48
size-large		22	22	=	x_tables: %T: pktstat.0 match: invalid size 56 \(kernel\) != \(user\) 64
size-zero		22	22	-	x_tables: %T: pktstat.0 match: invalid size 56 \(kernel\) != \(user\) 0
revision-1		91,93,2	2	=	-
valid-then-bad		22	22	=	xt_pktstat: name "second": --period 0ns
'

# one_case PATH FLAG NFT CASE ERRNOS PATTERN: run one case, check errno,
# kernel log and leftovers.  PATH labels the results; FLAG is "" or "-6";
# NFT is "nft" or "".
one_case() {
	_path=$1 _flag=$2 _nft=$3 _c=$4 _errs=$5 _pat=$6
	dmesg -c >> "$KLOG"
	# shellcheck disable=SC2086 # empty FLAG/NFT: no argument
	_out=$($H $_flag $_nft "$_c" 2>&1)
	_rc=$?
	_e=$(echo "$_out" | sed -n 's/.*refused errno \([0-9]*\).*/\1/p')
	_log=$(dmesg | grep -v 'xt_pktstat: loading out-of-tree\|module verification failed')
	_what=$($H list | grep "^$_c	" | cut -f2)
	case ",$_errs," in
	*",$_e,"*) if [ "$_rc" = 1 ]; then
			t_ok "$_path $_c ($_what): refused, errno $_e"
		else
			t_fail "$_path $_c ($_what): refused" "$_out"
		fi ;;
	*) t_fail "$_path $_c ($_what): refused with errno in {$_errs}" "$_out" ;;
	esac
	if [ "$_pat" != "-" ]; then
		expected_logs=$((expected_logs + 1))
		if echo "$_log" | grep -Eq -- "$_pat"; then
			logged=$((logged + 1))
			t_ok "$_path $_c: kernel log: $(echo "$_log" | grep -E -- "$_pat" | head -n 1 | sed 's/^\[[ 0-9.]*\] //')"
		else
			t_fail "$_path $_c: kernel log line matching /$_pat/" "dmesg: $_log"
		fi
	else
		_mine=$(echo "$_log" | grep -E 'xt_pktstat|_tables')
		if [ -z "$_mine" ]; then
			t_ok "$_path $_c: no kernel log line"
		else
			t_fail "$_path $_c: no kernel log line" "dmesg: $_mine"
		fi
	fi
	if [ -n "$_nft" ]; then
		if _o=$(nft_leftovers "$_flag"); then
			t_ok "$_path $_c: nothing left (no proc entry, refcnt 0, no table)"
		else
			t_fail "$_path $_c: nothing left" "$_o"
		fi
	elif _o=$(leftovers); then
		t_ok "$_path $_c: nothing left (no proc entry, refcnt 0, tables unchanged)"
	else
		t_fail "$_path $_c: nothing left" "$_o"
	fi
}

# pass PATH FLAG NFT: every case through one path, then its positive
# control.  Each pr_info_ratelimited() call site allows 10 lines per 5 s
# (the name check logs 7 times per pass): wait for the window to end
# before each pass.
pass() {
	_P=$1 _F=$2 _N=$3
	case $_F in -6) _T=ip6_tables _IPT=ip6tables-legacy ;; *) _T=ip_tables _IPT=iptables-legacy ;; esac
	sleep 5
	logged=0 expected_logs=0
	# a plain loop over the lines (no pipeline: the counters live in this shell)
	OLDIFS=$IFS
	IFS='
'
	for line in $cases; do
		IFS=$OLDIFS
		c=$(echo "$line" | cut -f1)
		[ -n "$c" ] || continue
		rest=$(echo "$line" | sed 's/^[^	]*	*//')
		if [ -n "$_N" ]; then
			errs=$(echo "$rest" | cut -f2)
		else
			errs=$(echo "$rest" | cut -f1)
		fi
		nftlog=$(echo "$rest" | cut -f3)
		pat=$(echo "$rest" | cut -f4- | sed "s/%T/$_T/g")
		[ -n "$_N" ] && [ "$nftlog" = "-" ] && pat=-
		one_case "$_P" "$_F" "$_N" "$c" "$errs" "$pat"
		IFS='
'
	done
	IFS=$OLDIFS
	t_diag "$_P: kernel log lines: $logged of $expected_logs expected"

	# Positive control: a valid blob is accepted and creates the name.
	if [ -n "$_N" ]; then
		# shellcheck disable=SC2086
		t_check "$_P valid: accepted" $H $_F nft valid
		t_check "$_P valid: $P/0 exists" test -d "$P/0"
		# shellcheck disable=SC2086
		t_check "$_P valid: table deleted" $H $_F nft-del
		if _o=$(nft_leftovers "$_F"); then
			t_ok "$_P valid: after deletion nothing left"
		else
			t_fail "$_P valid: after deletion nothing left" "$_o"
		fi
	else
		# shellcheck disable=SC2086
		t_check "$_P valid: accepted" $H $_F valid
		t_check "$_P valid: $P/0 exists" test -d "$P/0"
		t_eq "$_P valid: stats samples" "samples 20" "$(grep '^samples ' "$P/0/stats" 2>&1)"
		t_eq "$_P valid: stats period_ns" "period_ns 100000000" "$(grep '^period_ns ' "$P/0/stats" 2>&1)"
		t_eq "$_P valid: $_IPT sees it" \
			"-A INPUT -m pktstat --period 100ms --samples 20 -j ACCEPT" \
			"$($_IPT -S INPUT 2>&1 | grep pktstat)"
		# shellcheck disable=SC2086
		t_check "$_P empty table: accepted" $H $_F empty
		if _o=$(leftovers); then
			t_ok "$_P valid: after removal nothing left"
		else
			t_fail "$_P valid: after removal nothing left" "$_o"
		fi
	fi
}

pass ip_tables "" ""
pass ip6_tables -6 ""
if modprobe nf_tables && modprobe nft_compat; then
	pass "nft ip" "" nft
	pass "nft ip6" -6 nft
else
	t_fail "modprobe nf_tables nft_compat"
fi

t_check "rmmod xt_pktstat" rmmod xt_pktstat
dmesg >> "$KLOG"
bad=$(grep -E 'WARNING|BUG|Call Trace|general protection|KASAN|leak' "$KLOG" | head -n 5)
t_eq "no kernel warning" "" "$bad"
t_summary
