# SPDX-License-Identifier: LGPL-2.1-or-later
# Benchmark, never fails on time: CPU time (user + system) per frame of
# `pinhole capture` against `v4l2-ctl --stream-mmap`, same device, format,
# size, frame rate and frame count, in the same boot. The two alternate for
# three rounds and the medians are compared: the emulator's timing is noisy.
# Each figure includes the program's start (Pinhole's context creation and
# device probing), spread over the frames.
# vm-timeout: 120
. /vm/lib.sh

frames=100
rounds=3
vivid_load node_types=0x1
dev=$(vivid_node 0 vid-cap)
id=$("$VM_TEST_VM" id --camera vivid-000 --index 0) || fail "no camera: $id"

cpu_us() { sed -n 's/^cpu_us=\([0-9]*\).*/\1/p' "$1"; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

: > v4l2.all
: > pinhole.all
for r in $(seq $rounds); do
	check v4l2-ctl -d "$dev" --set-fmt-video=width=640,height=480,pixelformat=YUYV --set-parm=25
	"$VM_TEST_VM" cpu-time v4l2-ctl -d "$dev" --stream-mmap --stream-count=$frames > v4l2.txt ||
		fail "v4l2-ctl --stream-mmap"
	"$VM_TEST_VM" cpu-time "$VM_PINHOLE" capture "$id" --frames $frames --quiet \
		--stream role=video,width=640,height=480,format=YUYV \
		--control FrameDurationLimits=40000,40000 > pinhole.txt || fail "pinhole capture"
	a=$(cpu_us pinhole.txt)
	b=$(cpu_us v4l2.txt)
	[ -n "$a" ] && [ -n "$b" ] || fail "no CPU times in round $r"
	echo "round $r: pinhole $((a / frames)) us/frame, v4l2-ctl $((b / frames)) us/frame"
	echo "$a" >> pinhole.all
	echo "$b" >> v4l2.all
done
ph=$(median < pinhole.all)
v4l2=$(median < v4l2.all)
awk -v a="$ph" -v b="$v4l2" -v n=$frames -v r=$rounds 'BEGIN {
	printf "BENCH per-frame CPU, 640x480 YUYV, %d frames, median of %d: pinhole %.0f us, v4l2-ctl %.0f us, ratio %.2f\n",
		n, r, a / n, b / n, b ? a / b : 0 }'
