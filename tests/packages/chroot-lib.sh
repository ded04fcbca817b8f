# shellcheck shell=bash
# Helpers of tests/packages/mkroot.sh and check-packages.sh for a throwaway
# Debian root (chroot): mounting what dkms, apt and dpkg need inside it,
# and taking it down again.  Source it; then:
#   root_mount DIR     /proc, /sys, /dev, /dev/pts and a tmpfs /run in DIR
#                      (each recorded, so root_umount undoes exactly these)
#   root_umount DIR    unmounts everything under DIR (deepest first);
#                      status 1 if something stays mounted
#   root_remove DIR    root_umount, then rm -rf on DIR's own file system
#                      only, and only when nothing is mounted under it
#   inch DIR CMD...    runs CMD in DIR (chroot) with a clean environment
#                      (PATH, LC_ALL=C, DEBIAN_FRONTEND=noninteractive, and
#                      INROOT_ENV's NAME=VALUE words)
# Callers set a trap that calls root_umount (or root_remove) on every exit.

# mounts_under DIR: mount points at or under DIR, deepest first
mounts_under() {
	local d
	d=$(readlink -f "$1")
	awk -v d="$d" '{ m = $5; gsub(/\\040/, " ", m); if (m == d || index(m, d "/") == 1) print m }' \
		/proc/self/mountinfo | sort -r
}

root_mount() {
	local r=$1
	mkdir -p "$r/proc" "$r/sys" "$r/dev" "$r/run"
	mount -t proc proc "$r/proc" &&
		mount -t sysfs sysfs "$r/sys" &&
		mount --bind /dev "$r/dev" &&
		{ [ ! -d /dev/pts ] || mount --bind /dev/pts "$r/dev/pts"; } &&
		mount -t tmpfs -o mode=755 tmpfs "$r/run"
}

root_umount() {
	local r=$1 m i
	[ -d "$r" ] || return 0
	for i in 1 2 3; do
		for m in $(mounts_under "$r"); do
			umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
		done
		[ -z "$(mounts_under "$r")" ] && return 0
		sleep 1
	done
	echo "chroot-lib: still mounted under $r: $(mounts_under "$r" | tr '\n' ' ')" >&2
	return 1
}

root_remove() {
	local r=$1
	[ -e "$r" ] || return 0
	root_umount "$r" || { echo "chroot-lib: $r not removed (mounts left)" >&2; return 1; }
	rm -rf --one-file-system "$r"
}

inch() {
	local r=$1
	shift
	# shellcheck disable=SC2086
	chroot "$r" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LC_ALL=C DEBIAN_FRONTEND=noninteractive ${INROOT_ENV:-} "$@"
}
