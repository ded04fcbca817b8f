#!/bin/sh
# Harness self-test: needs neither xt_pktstat nor its extension.
#   tests/qemu/run-guest.sh /tests/guest/selftest.sh
# Checks that iptables-legacy and iptables-nft (v4 and v6) can add an
# ordinary rule, and that pktgen delivers exactly COUNT packets of
# PKT_SIZE - 14 bytes to an INPUT rule's counters, v4 and v6, from one and
# from two CPUs.
. /tests/guest/lib.sh

DEV=pkt0
t_check "setup_dummy $DEV" setup_dummy $DEV 192.0.2.1/24 2001:db8::1/64

N=${N:-5000}
for IPT in iptables-legacy iptables-nft ip6tables-legacy ip6tables-nft; do
	case $IPT in ip6*) fam=v6 ;; *) fam=v4 ;; esac
	$IPT -F INPUT 2>/dev/null
	t_check "$IPT: add -m comment rule" $IPT -A INPUT -i $DEV -m comment --comment selftest
	for size in 60 100 1000; do
		for cpus in 1 2; do
			[ "$cpus" -le "$(nproc)" ] || continue
			$IPT -Z INPUT
			t0=$(cut -d' ' -f1 /proc/uptime)
			if ! pktgen_send $DEV $N $size $fam $cpus 2>/tmp/pg.err; then
				t_fail "$IPT: pktgen $fam size $size cpus $cpus" "$(cat /tmp/pg.err)"
				continue
			fi
			t1=$(cut -d' ' -f1 /proc/uptime)
			rule_counters $IPT INPUT >/dev/null
			t_eq "$IPT: $fam size $size x$cpus: rule packets" "$PG_SENT" "$RC_PKTS"
			# below 58 (v4) / 78 (v6) bytes pktgen pads the payload
			min=58; [ $fam = v6 ] && min=78
			[ $size -lt $min ] && len=$((min - 14)) || len=$PG_PKTLEN
			t_eq "$IPT: $fam size $size x$cpus: rule bytes = packets * (size - 14)" \
				"$((PG_SENT * len))" "$RC_BYTES"
			t_diag "$PG_SENT packets in $(echo "$t0 $t1" | awk '{printf "%.3f", $2 - $1}') s"
		done
	done
	t_check "$IPT: list" $IPT -L INPUT -v -x -n
	$IPT -F INPUT
done

# delay: a paced run lasts about COUNT * DELAY
iptables-legacy -A INPUT -i $DEV
t0=$(cut -d' ' -f1 /proc/uptime)
t_check "pktgen paced (1000 x 200us)" pktgen_send $DEV 1000 100 v4 1 200000
t1=$(cut -d' ' -f1 /proc/uptime)
t_diag "paced run: $(echo "$t0 $t1" | awk '{printf "%.3f", $2 - $1}') s (at least 0.2: pktgen delay is a minimum gap)"
rule_counters iptables-legacy INPUT >/dev/null
t_eq "paced: rule packets" 1000 "$RC_PKTS"
iptables-legacy -F INPUT

t_eq "no kernel trouble in dmesg" "" "$(kernel_trouble)"
lsmod | t_diag "$(cat)"
t_summary
