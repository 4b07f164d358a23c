# SPDX-License-Identifier: LGPL-2.1-or-later
# 100 frames of NV12 (two planes in one buffer) at two sizes: no sequence
# gap, the colour bars in both the Y and the CbCr plane. Frame rates as
# in capture-formats.
# vm-timeout: 120
. /vm/lib.sh

vivid_load node_types=0x1
failed=
for size in 640x480 1280x720; do
	fps=10
	[ $size = 1280x720 ] && fps=5
	echo "+ test-vm capture NV12 $size"
	"$VM_TEST_VM" capture --camera vivid-000 --format NV12 --size $size --frames 100 --fps $fps \
		--bars || failed="$failed NV12@$size"
done
[ -z "$failed" ] || fail "failed:$failed"
