# SPDX-License-Identifier: LGPL-2.1-or-later
# Two vivid instances (every node type) are found as two cameras (one per
# capture node) with properties and vivid's YUV and RGB formats; `pinhole
# list`, `info` and `capture` work on them.
# vm-timeout: 90
. /vm/lib.sh

vivid_load n_devs=2
check "$VM_TEST_VM" list --camera vivid --expect 2 --formats YUYV,NV12,RGB888

"$VM_PINHOLE" list > list.txt || fail "pinhole list"
cat list.txt
for i in 0 1; do
	id=$("$VM_TEST_VM" id --camera vivid --index $i) || fail "no camera $i: $id"
	grep -qF "$id" list.txt || fail "pinhole list does not show $id"
	check "$VM_PINHOLE" info "$id"
done

id=$("$VM_TEST_VM" id --camera vivid --index 1) || fail "no camera: $id"
check "$VM_PINHOLE" capture "$id" --frames 10 \
	--stream role=video,width=640,height=480,format=YUYV --output 'frame-#.raw' --metadata
n=0
for f in frame-*.raw; do
	[ "$(stat -c %s "$f")" -eq $((640 * 480 * 2)) ] || fail "$f: $(stat -c %s "$f") bytes"
	n=$((n + 1))
done
[ $n -eq 10 ] || fail "pinhole capture wrote $n frames, not 10"
check "$VM_TEST_VM" bars --format YUYV --size 640x480 "$f"
