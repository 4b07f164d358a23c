# SPDX-License-Identifier: LGPL-2.1-or-later
# 100 frames in YUYV and RGB24 at two sizes from vivid's webcam input: no
# sequence gap, and vivid's 75% colour bars at the expected values. Every
# combination runs; the case fails if any did. (NV12: capture-nv12.)
# vivid numbers frames by its own clock (the nearest period since the start)
# and generates them in a kernel thread: when that thread runs late by half
# a period, a number is skipped although every buffer is queued, as seen at
# 1280x720 under a loaded emulator at 12.5 and 10 fps. Hence 10 fps at
# 640x480 and 5 at 1280x720.
# vm-timeout: 180
. /vm/lib.sh

vivid_load node_types=0x1
failed=
for size in 640x480 1280x720; do
	fps=10
	[ $size = 1280x720 ] && fps=5
	for format in YUYV RGB888; do
		echo "+ test-vm capture $format $size"
		"$VM_TEST_VM" capture --camera vivid-000 --format $format --size $size --frames 100 \
			--fps $fps --bars || failed="$failed $format@$size"
	done
done
[ -z "$failed" ] || fail "failed:$failed"
