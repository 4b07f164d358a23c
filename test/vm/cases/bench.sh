# SPDX-License-Identifier: LGPL-2.1-or-later
# Benchmark, never fails on time: CPU time (user + system) per frame of
# `pinhole capture` against `v4l2-ctl --stream-mmap`, same device, format,
# size, frame rate and frame count, in the same boot.
# vm-timeout: 90
. /vm/lib.sh

frames=100
vivid_load node_types=0x1
dev=$(vivid_node 0 vid-cap)
id=$("$VM_TEST_VM" id --camera vivid-000 --index 0) || fail "no camera: $id"

check v4l2-ctl -d "$dev" --set-fmt-video=width=640,height=480,pixelformat=YUYV --set-parm=25
"$VM_TEST_VM" cpu-time v4l2-ctl -d "$dev" --stream-mmap --stream-count=$frames > v4l2.txt ||
	fail "v4l2-ctl --stream-mmap"
"$VM_TEST_VM" cpu-time "$VM_PINHOLE" capture "$id" --frames $frames --quiet \
	--stream role=video,width=640,height=480,format=YUYV \
	--control FrameDurationLimits=40000,40000 > pinhole.txt || fail "pinhole capture"
v4l2=$(sed -n 's/^cpu_us=\([0-9]*\).*/\1/p' v4l2.txt)
ph=$(sed -n 's/^cpu_us=\([0-9]*\).*/\1/p' pinhole.txt)
[ -n "$v4l2" ] && [ -n "$ph" ] || fail "no CPU times"
awk -v a="$ph" -v b="$v4l2" -v n=$frames 'BEGIN {
	printf "BENCH per-frame CPU, 640x480 YUYV, %d frames: pinhole %.0f us, v4l2-ctl %.0f us, ratio %.2f\n",
		n, a / n, b / n, b ? a / b : 0 }'
