#!/bin/sh
# What the user sees when the kernel refuses a rule, inside the test guest:
#   refusals.sh IPT
# IPT: iptables-legacy, iptables-nft, ip6tables-legacy or ip6tables-nft.
#
# The extension refuses bad options itself (tests/ext).  What only the
# kernel knows (the max_samples and max_names limits, memory: see
# containers.sh) it refuses with EINVAL, after which iptables-legacy says
# "Run `dmesg' for more information"; the kernel log names the option, the
# value and the limit.  Each refusal is tried with -A, with -R and through
# a restore, and must leave the rules as they were.
. "$(dirname "$0")/lib.sh"

ipt_setup "${1:?usage: refusals.sh IPT}" || exit 2
T=/tmp/refusals.$$
mkdir -p "$T"

# what IPT prints when the kernel refuses: -A/-R, and a restore
case $IPT in
*-legacy)
	SAYS_ADD="${IPT%%-*}: Invalid argument. Run \`dmesg' for more information."
	SAYS_RESTORE="${IPT%%-*}-restore: line 4 failed"
	;;
*)
	SAYS_ADD="RULE_APPEND failed (Invalid argument): rule in chain INPUT"
	SAYS_RESTORE="line 3: RULE_APPEND failed (Invalid argument): rule in chain INPUT"
	;;
esac
SAYS_REPLACE=$SAYS_ADD
case $IPT in *-nft) SAYS_REPLACE="RULE_REPLACE failed (Invalid argument): rule in chain INPUT" ;; esac

# refused DESC SAYS LOG CMD...: CMD fails, its output holds SAYS, the
# kernel log a line holding LOG, and INPUT is as before.
refused() {
	local d says log before
	d=$1 says=$2 log=$3
	shift 3
	before=$($IPT -S INPUT)
	dmesg_mark
	if "$@" > "$T/out" 2>&1; then
		t_fail "$P: $d: refused" "accepted: $*"
		return
	fi
	case $(cat "$T/out") in
	*"$says"*) t_ok "$P: $d: $IPT says: $says" ;;
	*) t_fail "$P: $d: $IPT says: $says" "$(cat "$T/out")" ;;
	esac
	sleep 0.1
	case $(dmesg_since) in
	*"xt_pktstat: $log"*) t_ok "$P: $d: the kernel log says: $log" ;;
	*) t_fail "$P: $d: the kernel log says: $log" "$(dmesg_since | tail -3)" ;;
	esac
	t_eq "$P: $d: the rules stay as they were" "$before" "$($IPT -S INPUT)"
}

restore_of() {	# RULE...: a filter table with these rules, for $RESTORE
	local r
	printf '*filter\n:INPUT ACCEPT [0:0]\n'
	for r in "$@"; do printf '%s\n' "-A INPUT $r"; done
	printf 'COMMIT\n'
}

flush_all
t_check "$P: unload xt_pktstat (no rule left)" unload_pktstat
t_check "$P: load xt_pktstat max_names=3" load_pktstat max_names=3

# --samples over the module's max_samples (65536 here)
_big="name \"big\": --samples 70000: must be between 1 and 65536 (module parameter max_samples)"
refused "--samples 70000 (-A)" "$SAYS_ADD" "$_big" \
	$IPT -A INPUT -m pktstat --name big --samples 70000
restore_of "-m pktstat --name big --samples 70000" > "$T/big.rules"
refused "--samples 70000 (restore)" "$SAYS_RESTORE" "$_big" \
	sh -c "$RESTORE < $T/big.rules"
t_check "$P: add a rule to replace" ipt -A INPUT -m pktstat --name keep --samples 10
refused "--samples 70000 (-R)" "$SAYS_REPLACE" "$_big" \
	$IPT -R INPUT 1 -m pktstat --name big --samples 70000
t_eq "$P: the replaced rule is still there" 1 "$(stat_get keep rules)"
flush_rules
wait_gone keep

# max_names=3: names and the settings waiting to replace them count
t_check "$P: name a" ipt -A INPUT -m pktstat --name a --samples 10
t_check "$P: name b" ipt -A INPUT -m pktstat --name b --samples 10
t_check "$P: name a with other settings (waits, counts)" \
	ipt -A INPUT -m pktstat --name a --samples 20
_full="name \"c\": this network namespace already holds 3 names and settings, the limit (module parameter max_names)"
refused "a fourth name or setting (-A)" "$SAYS_ADD" "$_full" \
	$IPT -A INPUT -m pktstat --name c --samples 10
flush_rules
wait_gone a && wait_gone b
t_check "$P: room again once the rules are gone" ipt -A INPUT -m pktstat --name c --samples 10
flush_rules
wait_gone c
t_check "$P: unload" unload_pktstat
rm -rf "$T"
t_summary
