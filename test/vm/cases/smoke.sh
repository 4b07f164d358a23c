# SPDX-License-Identifier: LGPL-2.1-or-later
# vivid loads, v4l2-ctl lists it and streams 30 frames from its capture node.
# vm-timeout: 60
. /vm/lib.sh

vivid_load
dev=$(vivid_node 0 vid-cap)
check v4l2-ctl --list-devices
check v4l2-ctl -d "$dev" --all
check v4l2-ctl -d "$dev" --set-parm=30
check v4l2-ctl -d "$dev" --stream-mmap --stream-count=30 --stream-to=/tmp/smoke.raw
size=$(stat -c %s /tmp/smoke.raw)
echo "captured $size bytes"
[ "$size" -gt 0 ] || fail "v4l2-ctl wrote no frame data"
[ -e /dev/dri/card0 ] || fail "vgem did not create /dev/dri/card0"
