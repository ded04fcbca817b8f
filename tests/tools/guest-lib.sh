# shellcheck shell=sh
# Helpers of the xt-pktstat guest scripts (guest-collect.sh,
# guest-bursts.sh), on top of /tests/guest/lib.sh, which they source
# first (wait_until, t_*, setup_dummy...).  Busybox ash.

# tools_guest_start IPT DESCRIPTION: xt-pktstat is in the image (else the
# script ends with a failure), the module loaded, the dummy device pk0 up,
# INPUT empty; DESCRIPTION goes into a diagnostic line.
tools_guest_start() {
	if ! command -v xt-pktstat >/dev/null; then
		t_fail "xt-pktstat is in the image"
		t_summary
		exit 1
	fi
	t_diag "$(xt-pktstat --version)$2"
	grep -q '^xt_pktstat ' /proc/modules || load_pktstat
	setup_dummy pk0 192.0.2.1 2001:db8::1
	$1 -F INPUT
}
