# SPDX-License-Identifier: LGPL-2.1-or-later
# vimc (built from Debian's kernel source by vm.py): one media device with
# sensors, debayers and a scaler as sub-devices and three capture nodes on
# one bus. Each capture node is a camera with its own id, and the RGB/YUV
# node captures through Pinhole as it does through v4l2-ctl.
# vm-timeout: 120
. /vm/lib.sh

check modprobe vimc
sleep 1
ls /dev/v4l-subdev* >/dev/null 2>&1 || fail "vimc made no sub-device nodes"
check "$VM_PINHOLE" list
ids=$("$VM_PINHOLE" list | grep -c '(vimc)')
[ "$ids" -eq 3 ] || fail "expected 3 vimc cameras, got $ids"
unique=$("$VM_PINHOLE" list | sed -n 's/^[0-9]*: \([^ ]*\) (vimc)$/\1/p' | sort -u | wc -l)
[ "$unique" -eq 3 ] || fail "vimc cameras share an id"
check "$VM_PINHOLE" info simple:platform:vimc:RGB-YUV-Capture
