#!/bin/sh
# Containers, inside the test guest:
#   containers.sh IPT [TEST...]
# IPT: iptables-legacy or iptables-nft (the rules are added inside new
# network namespaces, so the host's chains are not touched).
#
# memory_charged_to_cgroup: a process in a cgroup v2 memory cgroup limited
#   to 24 MiB adds names of --samples 65536 (2 MiB each) in its own network
#   namespace: memory.current grows by what they take, the rule that would
#   go over the limit is refused with a message (and nothing is killed),
#   and the memory comes back when the namespace goes.
# rootless_container_reads_its_name: a plain user (uid 1000) makes a user
#   and network namespace (unshare -Urn), adds a rule there and reads its
#   data: the files belong to that namespace's root.
. "$(dirname "$0")/lib.sh"

ipt_setup "${1:?usage: containers.sh IPT [TEST...]}" || exit 2
shift
ALL="memory_charged_to_cgroup rootless_container_reads_its_name"
pick_tests "$ALL" "$@"
T=/tmp/containers.$$
mkdir -p "$T"
CG=/sys/fs/cgroup
RING=$((65536 * 32))		# bytes of the FIFO of --samples 65536

# cgroup v2 with the memory controller for the children of the root
cgroup_setup() {
	grep -q " $CG cgroup2 " /proc/mounts || mount -t cgroup2 none $CG || return 1
	grep -qw memory $CG/cgroup.controllers || { echo "no memory controller" >&2; return 1; }
	echo +memory > $CG/cgroup.subtree_control
}

memory_charged_to_cgroup() {
	local cg before pid ok after want
	test_begin memcg "memory charged to the container's cgroup"
	if ! t_check "$P memcg: cgroup v2 with the memory controller" cgroup_setup; then
		test_end
		return
	fi
	cg=$CG/pktstat-ct
	rmdir $cg 2>/dev/null
	mkdir $cg && echo 24M > $cg/memory.max
	before=$(cat $cg/memory.current)
	# In the cgroup, in a new network namespace: add names until refused,
	# note memory.current after each, then wait to be told to go.
	sh -c "echo \$\$ > $cg/cgroup.procs && exec /usr/bin/unshare -n sh -c '
		ip link set lo up
		i=0
		while [ \$i -lt 40 ]; do
			i=\$((i + 1))
			if ! $IPT -A INPUT -m pktstat --name c\$i --samples 65536 \
				> $T/m.err 2>&1; then
				echo \$i > $T/m.refused
				break
			fi
			cat $cg/memory.current >> $T/m.current
		done
		ls /proc/net/xt_pktstat > $T/m.names
		touch $T/m.ready
		while [ ! -e $T/m.go ]; do sleep 0.1; done'" > "$T/m.out" 2>&1 &
	pid=$!
	wait_ready 300 "$T/m.ready" $pid
	ok=$(wc -l < "$T/m.current" 2>/dev/null || echo 0)
	after=$(tail -1 "$T/m.current" 2>/dev/null || echo 0)
	t_diag "memory.current: $before before, $after after $ok names; $(cat "$T/m.names" 2>/dev/null | wc -l) directories"
	t_diag "refused: $(cat "$T/m.refused" 2>/dev/null): $(cat "$T/m.err" 2>/dev/null)"
	[ "$ok" -ge 3 ] && [ "$ok" -le 11 ] &&
		t_ok "$P memcg: 3 to 11 names of 2 MiB fit in 24 MiB ($ok)" ||
		t_fail "$P memcg: 3 to 11 names of 2 MiB fit in 24 MiB" "$ok names: $(cat "$T/m.out")"
	[ $((after - before)) -ge $((ok * RING)) ] &&
		t_ok "$P memcg: memory.current grew by at least the names' FIFOs" ||
		t_fail "$P memcg: memory.current grew by at least the names' FIFOs" \
			"$before -> $after for $ok x $RING"
	t_check "$P memcg: the next rule was refused" test -s "$T/m.refused"
	case $IPT in
	*-legacy) want="iptables: Invalid argument. Run \`dmesg' for more information." ;;
	*) want="RULE_APPEND failed (Invalid argument)" ;;
	esac
	case $(cat "$T/m.err" 2>/dev/null) in
	*"$want"*) t_ok "$P memcg: $IPT says: $want" ;;
	*) t_fail "$P memcg: $IPT says: $want" "$(cat "$T/m.err" 2>/dev/null)" ;;
	esac
	case $(dmesg_since) in
	*"xt_pktstat: name \"c$(cat "$T/m.refused" 2>/dev/null)\": cannot allocate"*"bytes for --samples 65536: out of memory, or over the memory cgroup's limit"*)
		t_ok "$P memcg: the kernel log says why" ;;
	*) t_fail "$P memcg: the kernel log says why" "$(dmesg_since | tail -5)" ;;
	esac
	t_eq "$P memcg: nothing killed by the OOM killer" "" \
		"$(dmesg_since | grep -iE 'oom-kill|out of memory: kill|memory cgroup out of memory' | head -3)"
	t_eq "$P memcg: the refused name left no directory" \
		"$ok" "$(wc -l < "$T/m.names" 2>/dev/null)"
	touch "$T/m.go"
	wait $pid
	# the namespace goes away with its rules (netns cleanup is a work queue)
	wait_for 50 sh -c "[ \$(cat $cg/memory.current) -le $((before + RING)) ]"
	[ "$(cat $cg/memory.current)" -le $((before + RING)) ] &&
		t_ok "$P memcg: the memory comes back when the namespace goes" ||
		t_fail "$P memcg: the memory comes back when the namespace goes" \
			"memory.current $(cat $cg/memory.current), before $before"
	rmdir $cg 2>/dev/null
	test_end
}

rootless_container_reads_its_name() {
	local pid f
	test_begin rootless "a rootless container reads its own name"
	grep -q '^pktuser:' /etc/passwd || {
		echo "pktuser:x:1000:1000:pktstat test:/tmp:/bin/sh" >> /etc/passwd
		echo "pktuser:x:1000:" >> /etc/group
	}
	# Debian's switch for unprivileged user namespaces (on by default)
	[ -e /proc/sys/kernel/unprivileged_userns_clone ] &&
		echo 1 > /proc/sys/kernel/unprivileged_userns_clone
	chmod 1777 "$T"
	cat > "$T/inner.sh" <<-EOF
		# as uid 1000 in a user and network namespace of its own
		export XTABLES_LOCKFILE=$T/xtables.lock
		id -u > $T/r.id
		ip link set lo up
		$IPT -A OUTPUT -o lo -m pktstat --name ct --period 10ms --samples 100 \
			> $T/r.add 2>&1 || exit 1
		ping -q -c 5 -i 0.05 127.0.0.1 > $T/r.ping 2>&1
		sleep 0.1
		stat -c '%u %g %a' /proc/net/xt_pktstat/ct/data > $T/r.owner
		cat /proc/net/xt_pktstat/ct/data > $T/r.data 2> $T/r.err
		echo \$? > $T/r.rc
		cat /proc/net/xt_pktstat/ct/stats > $T/r.stats
		touch $T/r.ready
		while [ ! -e $T/r.go ]; do sleep 0.1; done
	EOF
	su -s /bin/sh pktuser -c "exec /usr/bin/unshare -Urn /bin/sh $T/inner.sh" > "$T/r.out" 2>&1 &
	pid=$!
	wait_ready 100 "$T/r.ready" $pid
	t_eq "$P rootless: the namespace's root is uid 0 inside" 0 "$(cat "$T/r.id" 2>/dev/null)"
	t_check "$P rootless: uid 1000 adds a rule in its own namespaces" test -e "$T/r.ready"
	[ -e "$T/r.ready" ] || t_diag "$(cat "$T/r.out" "$T/r.add" 2>/dev/null)"
	t_eq "$P rootless: its files belong to its root (uid 0 gid 0 inside, mode 400)" \
		"0 0 400" "$(cat "$T/r.owner" 2>/dev/null)"
	t_eq "$P rootless: it reads data" "0" "$(cat "$T/r.rc" 2>/dev/null)$(cat "$T/r.err" 2>/dev/null)"
	sum_samples "$T/r.data" >/dev/null 2>&1
	t_eq "$P rootless: its samples hold the 5 pings and 5 replies" 10 "$SUM_FRAMES"
	t_eq "$P rootless: stats frames_seen" 10 "$(awk '$1 == "frames_seen" { print $2 }' "$T/r.stats" 2>/dev/null)"
	# seen from the initial namespaces: owned by uid 1000
	f=$(ls -d /proc/[0-9]*/net/xt_pktstat/ct/data 2>/dev/null | head -1)
	t_eq "$P rootless: seen from outside, the files belong to uid 1000" "1000 1000" \
		"$(stat -c '%u %g' "$f" 2>/dev/null)"
	t_check "$P rootless: not in the initial namespace" test ! -e "$PKTSTAT_PROC/ct"
	touch "$T/r.go"
	wait $pid
	test_end
}

t_diag "containers.sh $IPT: $TESTS"
grep -q '^xt_pktstat ' /proc/modules || t_check "$P: modprobe xt_pktstat" load_pktstat
run_tests "$ALL"
rm -rf "$T"
t_summary
