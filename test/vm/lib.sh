# SPDX-License-Identifier: LGPL-2.1-or-later
# Helpers for the cases of Pinhole's test VM: `. /vm/lib.sh` at the top of a case.

fail() {
	echo "FAIL: $*"
	exit 1
}

# Runs a command, echoing it; fails the case if it fails.
check() {
	echo "+ $*"
	"$@" || fail "exit $?: $*"
}

# (Re)loads vivid with the given module parameters (n_devs=, node_types=,
# num_inputs=, input_types=, ...).
vivid_load() {
	modprobe -r vivid 2>/dev/null
	echo "+ modprobe vivid $*"
	modprobe vivid "$@" || fail "modprobe vivid $*"
}

vivid_unload() {
	modprobe -r vivid || fail "modprobe -r vivid"
}

# The /dev node of a vivid device by its name: vivid_node 0 vid-cap -> /dev/videoN
# for "vivid-000-vid-cap".
vivid_node() {
	want=$(printf 'vivid-%03d-%s' "$1" "$2")
	for d in /sys/class/video4linux/*; do
		if [ "$(cat "$d/name")" = "$want" ]; then
			echo "/dev/${d##*/}"
			return 0
		fi
	done
	fail "no video4linux device named $want"
}

# Number of open file descriptors of process $1.
fd_count() {
	ls "/proc/$1/fd" | wc -l
}
