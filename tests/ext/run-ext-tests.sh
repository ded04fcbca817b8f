#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run the xt_pktstat extension tests (pktstat.t) against one iptables
# command, with the xt_pktstat kernel module available.
#
#   run-ext-tests.sh IPTABLES_CMD [T_FILE]
#
# IPTABLES_CMD: iptables-legacy, iptables-nft, ip6tables-legacy,
# ip6tables-nft, ... (it may carry options, e.g. "iptables-nft -w").
# T_FILE defaults to pktstat.t beside this script.  Set XTABLES_LIBDIR to
# point iptables at a libxt_pktstat.so that is not installed.
#
# The tests add rules to the INPUT chain of the filter table and flush it
# after each case, so the chain must be empty at the start: run this in a
# scratch network namespace (unshare -n) or a test VM.
#
# POSIX sh: runs under busybox ash as well as bash or dash.  Prints TAP-like
# "ok N - ..." / "not ok N - ..." lines and, last, "N passed, M failed".

usage() {
	echo "usage: $0 IPTABLES_CMD [T_FILE]" >&2
	exit 2
}

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	usage
fi
[ -n "$1" ] || usage
IPT=$1
T_FILE=${2:-$(dirname "$0")/pktstat.t}
[ -r "$T_FILE" ] || { echo "$0: cannot read $T_FILE" >&2; exit 2; }

n=0
passed=0
failed=0
TMP=${TMPDIR:-/tmp}/pktstat-ext.$$
ERR=$TMP.err
OUT=$TMP.out

ipt() {
	# shellcheck disable=SC2086 # IPT may carry options
	$IPT "$@" </dev/null
}

ok() {
	n=$((n + 1))
	passed=$((passed + 1))
	echo "ok $n - $1"
}

not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
	shift
	for l in "$@"; do
		printf '%s\n' "$l" | sed 's/^/#   /'
	done
}

finish() {
	rm -f "$ERR" "$OUT"
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit $?
}

trim() {
	printf '%s\n' "$1" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//'
}

# The "-A INPUT ..." lines of "iptables -S INPUT", each trimmed.
rules_of_input() {
	ipt -S INPUT 2>"$ERR" | sed -n 's/^[[:space:]]*\(-A INPUT.*\)$/\1/p' |
		sed 's/[[:space:]]*$//'
}

# --- the chain must be empty, or we would destroy someone's rules --------
if ! ipt -S INPUT >"$OUT" 2>"$ERR"; then
	not_ok "$IPT -S INPUT works" "$(cat "$ERR")"
	finish
fi
if grep -q '^[[:space:]]*-A INPUT' "$OUT"; then
	not_ok "INPUT chain of $IPT is empty at start" \
		"refusing to flush existing rules; run in a scratch network namespace (unshare -n)" \
		"$(cat "$OUT")"
	finish
fi
trap 'ipt -F INPUT >/dev/null 2>&1; rm -f "$ERR" "$OUT"' EXIT
trap 'exit 130' INT TERM

# --- help ----------------------------------------------------------------
if ipt -m pktstat -h >"$OUT" 2>"$ERR"; then
	missing=
	for o in --period --samples --name; do
		grep -q -e "$o" "$OUT" || missing="$missing $o"
	done
	if [ -z "$missing" ]; then
		ok "$IPT -m pktstat -h"
	else
		not_ok "$IPT -m pktstat -h" "help does not mention:$missing" \
			"$(cat "$OUT")"
	fi
else
	not_ok "$IPT -m pktstat -h" "exit status non-zero" "$(cat "$ERR")"
fi

# --- one .t line that must be accepted -------------------------------------
run_ok() {
	rule=$1
	saved=$2
	desc="OK: $rule"
	ipt -F INPUT >/dev/null 2>&1

	eval "set -- $rule"
	if ! ipt -A INPUT "$@" >"$OUT" 2>"$ERR"; then
		not_ok "$desc" "-A INPUT $rule failed" "$(cat "$ERR")"
		return
	fi
	got=$(rules_of_input)
	if [ "$got" != "-A INPUT $saved" ]; then
		not_ok "$desc" "-S INPUT:" "  got:      $got" \
			"  expected: -A INPUT $saved"
		ipt -F INPUT >/dev/null 2>&1
		return
	fi
	if ! ipt -L INPUT -n >"$OUT" 2>"$ERR" ||
	   ! grep -q 'pktstat name' "$OUT"; then
		not_ok "$desc" "-L INPUT -n does not show \"pktstat name\"" \
			"$(cat "$OUT" "$ERR")"
		ipt -F INPUT >/dev/null 2>&1
		return
	fi

	# The saved form must give the same rule back.
	ipt -F INPUT >/dev/null 2>&1
	eval "set -- $saved"
	if ! ipt -A INPUT "$@" >"$OUT" 2>"$ERR"; then
		not_ok "$desc" "re-adding saved form -A INPUT $saved failed" \
			"$(cat "$ERR")"
		return
	fi
	got=$(rules_of_input)
	if [ "$got" != "-A INPUT $saved" ]; then
		not_ok "$desc" "-S INPUT after re-adding the saved form:" \
			"  got:      $got" "  expected: -A INPUT $saved"
		ipt -F INPUT >/dev/null 2>&1
		return
	fi
	ipt -F INPUT >/dev/null 2>&1
	ok "$desc"
}

# --- one .t line that must be refused --------------------------------------
run_fail() {
	rule=$1
	desc="FAIL: $rule"
	ipt -F INPUT >/dev/null 2>&1

	# The bad option is the last one in the rule.  A repeated or inverted
	# option is refused by libxtables with the option name only.
	eval "set -- $rule"
	opt='' val='' prev='' seen='' only_name=
	while [ $# -gt 0 ]; do
		case $1 in
		--*)
			case " $seen " in
			*" $1 "*) dup=1 ;;
			*) dup= ;;
			esac
			seen="$seen $1"
			opt=$1
			val=${2-}
			only_name=$dup
			[ "$prev" = "!" ] && only_name=1
			[ $# -ge 2 ] && shift
			;;
		esac
		prev=$1
		shift
	done

	eval "set -- $rule"
	if ipt -A INPUT "$@" >"$OUT" 2>"$ERR"; then
		not_ok "$desc" "was accepted" "$(rules_of_input)"
		ipt -F INPUT >/dev/null 2>&1
		return
	fi
	err=$(cat "$ERR")
	why=
	case $err in
	*"pktstat:"*) ;;
	*) why="$why; no \"pktstat:\"" ;;
	esac
	case $err in
	*"$opt"*) ;;
	*) why="$why; option $opt not named" ;;
	esac
	if [ -z "$only_name" ]; then
		case $err in
		*"\"$val\""*) ;;
		*) why="$why; value \"$val\" not quoted in the message" ;;
		esac
	fi
	if [ -n "$why" ]; then
		not_ok "$desc" "message is not as expected${why}" "$err"
	else
		ok "$desc"
	fi
	ipt -F INPUT >/dev/null 2>&1
}

# --- the .t file ---------------------------------------------------------
while IFS= read -r line <&3; do
	line=$(trim "$line")
	case $line in
	"" | "#"* | ":"*) continue ;;
	esac
	rule=${line%%;*}
	rest=${line#*;}
	saved=${rest%%;*}
	result=${rest#*;}
	if [ "$rest" = "$line" ] || [ "$result" = "$rest" ]; then
		not_ok "parse $T_FILE" "malformed line: $line"
		continue
	fi
	rule=$(trim "$rule")
	saved=$(trim "$saved")
	result=$(trim "$result")
	[ -z "$saved" ] || [ "$saved" = "=" ] && saved=$rule
	case $result in
	OK) run_ok "$rule" "$saved" ;;
	FAIL) run_fail "$rule" ;;
	*) not_ok "parse $T_FILE" "unknown result \"$result\" in: $line" ;;
	esac
done 3<"$T_FILE"

finish
