# SPDX-License-Identifier: LGPL-2.1-or-later
# 100 frames in YUYV and RGB24 at two sizes from vivid's webcam input: no
# sequence gap, and vivid's 75% colour bars at the expected values. Every
# combination runs; the case fails if any did. (NV12: capture-nv12.)
# vm-timeout: 150
. /vm/lib.sh

vivid_load node_types=0x1
failed=
for size in 640x480 1280x720; do
	for format in YUYV RGB888; do
		echo "+ test-vm capture $format $size"
		"$VM_TEST_VM" capture --camera uvc: --format $format --size $size --frames 100 \
			--fps 30 --bars || failed="$failed $format@$size"
	done
done
[ -z "$failed" ] || fail "failed:$failed"
