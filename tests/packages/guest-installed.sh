# shellcheck shell=sh
# Runs inside the QEMU guest (busybox sh), sent there by check-packages.sh,
# which puts in front of it:
#   EXP_KVER       the kernel release it meant to boot
#   EXP_MOD_SHA    sha256 of the module DKMS installed on the host
#   EXP_MOD_SHA_RAW  the same, decompressed, when it is a .ko.xz/.zst/.gz
#   EXP_LIB_SHA    sha256 of the installed /usr/lib/<triplet>/xtables/libxt_pktstat.so
#   a here-document writing /tmp/xt_pktstat.conf.installed: the host's
#   installed /etc/modprobe.d/xt_pktstat.conf, byte for byte
# The harness put the installed module in the image as
# /lib/modules/<release>/extra/xt_pktstat.ko and the installed extension in
# the xtables directory.  Results are "ok"/"not ok" lines and a summary.
. /tests/guest/lib.sh

XTDIR=/usr/lib/x86_64-linux-gnu/xtables
MOD=/lib/modules/$(uname -r)/extra/xt_pktstat.ko
PARAMS=/sys/module/xt_pktstat/parameters
DEV=pkg0
N=2000
SIZE=100	# pktgen size: skb->len at INPUT is SIZE - 14
sha() { sha256sum "$1" | cut -d' ' -f1; }

t_eq "booted the kernel $EXP_KVER" "$EXP_KVER" "$(uname -r)"
got=$(sha "$MOD")
[ "$got" = "${EXP_MOD_SHA_RAW:-}" ] && got=$EXP_MOD_SHA	# decompressed copy
t_eq "the module in the guest is the one DKMS installed on the host" \
	"$EXP_MOD_SHA" "$got"
t_eq "the extension in the guest is the installed libxt_pktstat.so" \
	"$EXP_LIB_SHA" "$(sha "$XTDIR/libxt_pktstat.so")"
t_diag "module: $(modinfo -F vermagic "$MOD" 2>&1); signer: $(modinfo -F signer "$MOD" 2>&1)"

mkdir -p /etc/modprobe.d
cp /tmp/xt_pktstat.conf.installed /etc/modprobe.d/xt_pktstat.conf
t_check "setup_dummy $DEV" setup_dummy $DEV 192.0.2.1/24 2001:db8::1/64

# traffic NAME: N packets through the rule of NAME, then its data file must
# hold exactly them.
traffic() {
	if ! pktgen_send $DEV $N $SIZE v4 2>/tmp/pg.err; then
		t_fail "$1: pktgen sent $N packets" "$(cat /tmp/pg.err)"
		return
	fi
	sleep 0.3	# the last 10 ms window closes one tick after its end
	cat "$PKTSTAT_PROC/$1/data" > "/tmp/$1.data"
	sum_samples "/tmp/$1.data" >/dev/null
	t_eq "$1: data holds the $N frames sent" "$N" "$SUM_FRAMES"
	t_eq "$1: and their $((N * (SIZE - 14))) bytes" "$((N * (SIZE - 14)))" "$SUM_BYTES"
	t_eq "$1: stats: frames_read" "$N" "$(stat_get "$1" frames_read)"
	t_check "$1: stats: seen = read + dropped + pending" stats_invariant "$1"
}

# 1. The modprobe.d file as installed (every option commented out): the
# module's defaults apply.
t_check "modprobe xt_pktstat with the installed modprobe.d file" modprobe xt_pktstat
t_eq "installed file: proc_mode is the default 0400 (256)" 256 "$(cat $PARAMS/proc_mode)"
t_eq "installed file: max_samples is the default 65536" 65536 "$(cat $PARAMS/max_samples)"
t_eq "installed file: max_names is the default 64" 64 "$(cat $PARAMS/max_names)"
t_check "iptables -A INPUT -m pktstat (installed extension)" \
	iptables -A INPUT -i $DEV -m pktstat --name pkg --period 10ms --samples 4096
t_eq "iptables -S prints the rule back" \
	"-A INPUT -i $DEV -m pktstat --name pkg --period 10ms --samples 4096" \
	"$(iptables -S INPUT | grep pktstat)"
t_eq "data is mode 0400" 400 "$(stat -c %a "$PKTSTAT_PROC/pkg/data")"
traffic pkg
iptables -F INPUT
t_check "rmmod xt_pktstat" unload_pktstat

# 2. An option set in the file, as an administrator would: uncomment the
# proc_mode and proc_gid lines and change their values.  The rule loads the
# module by itself (request_module runs modprobe, which reads modprobe.d),
# as iptables-restore does at boot.
sed -e 's/^#options xt_pktstat proc_mode=.*/options xt_pktstat proc_mode=0440/' \
	-e 's/^#options xt_pktstat proc_gid=.*/options xt_pktstat proc_gid=4/' \
	/tmp/xt_pktstat.conf.installed > /etc/modprobe.d/xt_pktstat.conf
t_eq "edited file: two options uncommented" 2 \
	"$(grep -c '^options xt_pktstat' /etc/modprobe.d/xt_pktstat.conf)"
t_check "iptables-nft -A INPUT -m pktstat loads the module" \
	iptables-nft -A INPUT -i $DEV -m pktstat --name pkg2 --period 10ms --samples 4096
t_eq "edited file: proc_mode=0440 in force (288)" 288 "$(cat $PARAMS/proc_mode 2>&1)"
t_eq "edited file: proc_gid=4 in force" 4 "$(cat $PARAMS/proc_gid 2>&1)"
t_eq "data is now mode 0440" 440 "$(stat -c %a "$PKTSTAT_PROC/pkg2/data" 2>&1)"
t_eq "data is now group 4" 4 "$(stat -c %g "$PKTSTAT_PROC/pkg2/data" 2>&1)"
traffic pkg2
iptables-nft -F INPUT

t_eq "no kernel trouble in dmesg" "" "$(kernel_trouble)"
t_summary
