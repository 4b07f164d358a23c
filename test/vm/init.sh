#!/vm/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# /init of Pinhole's test VM (doc/vm-tests.md): mounts the kernel file
# systems, loads vgem, runs each case of /vm/cases.list under a time limit,
# prints "@@VM-RESULT <case> PASS|FAIL|SKIP rc=N ms=N" per case on the
# serial console for test/vm/vm.py, then powers off.
export PATH=/vm/bin:/usr/bin:/usr/sbin:/bin:/sbin HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
# /tmp and /run stay on the initramfs (already in RAM): a build tree under
# /tmp is packed there.
mkdir -p /tmp /run
hostname pinhole-vm
. /vm/env

now_ms() { awk '{ printf "%d", $1 * 1000 }' /proc/uptime; }

# Whatever a case left running (a hung test program) goes before the next one.
kill_leftovers() {
	for p in /proc/[0-9]*; do
		pid=${p#/proc/}
		[ "$pid" = 1 ] && continue
		[ -n "$(readlink "$p/exe" 2>/dev/null)" ] && kill -9 "$pid" 2>/dev/null
	done
}

modprobe vgem || echo "vm: vgem did not load"

case " $(cat /proc/cmdline) " in
*" pinhole.vm=shell "*)
	modprobe vivid
	echo "Pinhole VM shell. Cases: /vm/cases (sh /vm/cases/NAME.sh); environment: /vm/env;"
	echo "leave with: poweroff -f"
	setsid cttyhack sh -l
	poweroff -f
	;;
esac

echo "@@VM-READY uptime_ms=$(now_ms)"
for c in $(cat /vm/cases.list); do
	limit=$(sed -n 's/^# vm-timeout: *\([0-9][0-9]*\).*/\1/p' "/vm/cases/$c.sh")
	limit=${limit:-60}
	echo "@@VM-BEGIN $c"
	mkdir -p "/tmp/$c"
	t0=$(now_ms)
	(cd "/tmp/$c" && exec timeout -s KILL "$limit" sh "/vm/cases/$c.sh") </dev/null 2>&1
	rc=$?
	t1=$(now_ms)
	case $rc in
	0) status=PASS ;;
	77) status=SKIP ;;
	137) status=FAIL; echo "vm: $c killed after its limit of $limit s" ;;
	*) status=FAIL ;;
	esac
	if [ $status = FAIL ]; then
		echo "vm: last kernel messages:"
		dmesg | tail -n 15
	fi
	kill_leftovers
	modprobe -r vivid 2>/dev/null
	rm -rf "/tmp/$c"
	echo "@@VM-RESULT $c $status rc=$rc ms=$((t1 - t0))"
done
echo "@@VM-DONE uptime_ms=$(now_ms)"
sync
poweroff -f
