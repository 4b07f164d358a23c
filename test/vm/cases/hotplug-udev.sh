# SPDX-License-Identifier: LGPL-2.1-or-later
# With Debian's udev daemon running (coldplugged by udevadm trigger), libudev
# lists vivid's cameras with the ids the sysfs reading gives, and a running
# context hears hotplug from udev's monitor: unbinding vivid.0 removes its
# cameras, binding it again adds them back, and one captures. A control
# socket left behind by a killed daemon sends Pinhole back to the kernel's
# uevents. udevd is gone at the end: the other cases test the kernel path.
# vm-needs: udev
# vm-timeout: 90
. /vm/lib.sh

udevd=/lib/systemd/systemd-udevd
[ -x "$udevd" ] || fail "$udevd missing (vm.py packs udev for a case that says vm-needs: udev)"

stop_udev() {
	udevadm control --exit 2>/dev/null
	rm -rf /run/udev
}
trap stop_udev EXIT

# The database entry udev wrote for video node $1 (/dev/videoN).
udev_db() {
	echo "/run/udev/data/c$(cat "/sys/class/video4linux/${1#/dev/}/dev")"
}

# udev ran its rules on video node $1: database entry with v4l_id's
# properties, the "video" group (devtmpfs leaves root).
check_udev_node() {
	db=$(udev_db "$1")
	[ -f "$db" ] || fail "$1: no udev database entry $db"
	grep -q '^E:ID_V4L_CAPABILITIES=.*:capture:' "$db" || fail "$1: $db lacks v4l_id's properties"
	[ "$(stat -c %G "$1")" = video ] || fail "$1: group $(stat -c %G "$1"), udev's rules set video"
}

# And udev made its by-path link (both instances sit on vivid.0, so one
# link stands for both: it leads to one of their capture nodes).
check_by_path() {
	l=/dev/v4l/by-path/platform-vivid.0-video-index0
	ls -l /dev/v4l/by-path/
	case "$(readlink -f "$l")" in
	"$(vivid_node 0 vid-cap)" | "$(vivid_node 1 vid-cap)") ;;
	*) fail "$l does not lead to a vivid capture node" ;;
	esac
}

vivid_load n_devs=2
check "$udevd" --daemon
check udevadm trigger --type=subsystems --action=add
check udevadm trigger --type=devices --action=add
check udevadm settle --timeout=60
check_udev_node "$(vivid_node 0 vid-cap)"
check_udev_node "$(vivid_node 1 vid-cap)"
check_by_path

# The same cameras, by the same ids, through libudev and through sysfs.
"$VM_TEST_VM" ids --camera vivid --expect 2 --listing libudev --hotplug-source udev > libudev.txt ||
	fail "libudev listing: $(cat libudev.txt)"
PINHOLE_MEDIA_ENUMERATION=sysfs "$VM_TEST_VM" ids --camera vivid --expect 2 --listing sysfs \
	--hotplug-source udev > sysfs.txt || fail "sysfs listing: $(cat sysfs.txt)"
cat libudev.txt sysfs.txt
grep '^id ' libudev.txt > libudev.ids
grep '^id ' sysfs.txt > sysfs.ids
cmp libudev.ids sysfs.ids || fail "libudev and sysfs list different cameras"

# Hotplug through udev's monitor; the nodes that came back went through udev too.
check "$VM_TEST_VM" hotplug --camera vivid-001 --platform vivid.0 --hotplug-source udev
check udevadm settle --timeout=60
check_udev_node "$(vivid_node 0 vid-cap)"
check_udev_node "$(vivid_node 1 vid-cap)"
check_by_path

# A daemon killed outright leaves /run/udev/control: nobody would announce
# devices on udev's monitor, so Pinhole must listen to the kernel instead.
pids=$(pidof systemd-udevd) || fail "systemd-udevd is not running"
check kill -KILL $pids
for i in $(seq 50); do # until the kernel closed its listening socket
	grep -q ' /run/udev/control$' /proc/net/unix || break
	sleep 0.1
done
grep -q ' /run/udev/control$' /proc/net/unix && fail "the killed daemon still listens"
[ -S /run/udev/control ] || fail "the killed daemon left no control socket to test with"
check "$VM_TEST_VM" hotplug --camera vivid-001 --platform vivid.0 --hotplug-source kernel
