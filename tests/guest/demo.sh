#!/bin/sh
# The product's main job, as the original README shows it: load the module,
# add the rule, send traffic, read the samples.  Run inside the test guest
# by tests/demo.sh.
set -e
say() { printf '\n### %s\n' "$*"; }

say "modprobe xt_pktstat"
modprobe xt_pktstat
dmesg | grep xt_pktstat | tail -n 1

say "iptables -m pktstat --help (excerpt)"
iptables -m pktstat --help | sed -n '/pktstat match options/,$p'

say "iptables -m pktstat --period 100 --samples 20 -A INPUT"
iptables -m pktstat --period 100 --samples 20 -A INPUT
iptables -S INPUT
iptables -L INPUT -n

say "traffic: 40 pings to 127.0.0.1, 25 ms apart (about one second)"
ping -q -c 40 -i 0.025 127.0.0.1 | tail -n 2
sleep 0.3

say "cat /proc/net/xt_pktstat/0/data   (window start in ns, frames, bytes)"
cat /proc/net/xt_pktstat/0/data

say "cat /proc/net/xt_pktstat/0/data   (again: reading drained it)"
cat /proc/net/xt_pktstat/0/data

say "cat /proc/net/xt_pktstat/0/stats"
cat /proc/net/xt_pktstat/0/stats

say "rule counters, for comparison with frames_seen / bytes_seen"
iptables -L INPUT -v -x -n
