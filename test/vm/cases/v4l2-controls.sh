# SPDX-License-Identifier: LGPL-2.1-or-later
# Device controls reach vivid: Brightness=1 makes the Y of every pixel of
# the captured YUYV frames brighter than at the default, and the metadata
# reports the value the frames were taken with.
# vm-timeout: 60
. /vm/lib.sh

vivid_load node_types=0x1
id=$("$VM_TEST_VM" id --index 0) || fail "no camera: $id"
mean_y() { od -An -v -tu1 -w2 "$1" | awk '{ s += $1; n++ } END { printf "%d\n", s / n }'; }
check "$VM_PINHOLE" capture "$id" --frames 3 \
	--stream role=video,width=640,height=480,format=YUYV --output 'dflt-#.raw'
check "$VM_PINHOLE" capture "$id" --frames 3 --control Brightness=1 --metadata \
	--stream role=video,width=640,height=480,format=YUYV --output 'bright-#.raw' > md.txt
cat md.txt
grep -q 'Brightness=1' md.txt || fail "metadata does not report Brightness=1"
ls -l
a=$(mean_y "$(ls dflt-*.raw | head -n 1)")
b=$(mean_y "$(ls bright-*.raw | head -n 1)")
echo "mean Y: default $a, Brightness=1 $b"
[ -n "$a" ] && [ -n "$b" ] || fail "no frames to compare"
[ "$b" -gt $((a + 20)) ] || fail "Brightness=1 did not brighten the first frame ($a -> $b)"
