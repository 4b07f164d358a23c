# SPDX-License-Identifier: LGPL-2.1-or-later
# vivid loads, v4l2-ctl lists it and streams 30 frames from its capture node.
# vm-timeout: 60
. /vm/lib.sh

vivid_load
dev=$(vivid_node 0 vid-cap)
check v4l2-ctl --list-devices
check v4l2-ctl -d "$dev" --all
check v4l2-ctl -d "$dev" --set-parm=30
check v4l2-ctl -d "$dev" --stream-mmap --stream-count=30 --stream-to=smoke.raw
size=$(stat -c %s smoke.raw)
echo "captured $size bytes"
[ "$size" -gt 0 ] || fail "v4l2-ctl wrote no frame data"
[ -e /dev/dri/card0 ] || fail "vgem did not create /dev/dri/card0"

# The colour-bar oracle of test-vm against the kernel's own capture path.
for size in 640x480 1280x720; do
	w=${size%x*} h=${size#*x}
	for format in YUYV NV12 RGB888; do
		case $format in RGB888) fourcc=RGB3 ;; *) fourcc=$format ;; esac
		check v4l2-ctl -d "$dev" --set-fmt-video=width=$w,height=$h,pixelformat=$fourcc \
			--stream-mmap --stream-count=1 --stream-to=frame.raw
		check "$VM_TEST_VM" bars --format $format --size $size frame.raw
	done
done
# ... and it tells colour spaces apart: vivid's BT.601 frame is not BT.709.
check v4l2-ctl -d "$dev" --set-fmt-video=width=640,height=480,pixelformat=YUYV \
	--stream-mmap --stream-count=1 --stream-to=frame.raw
if "$VM_TEST_VM" bars --format YUYV --size 640x480 --colorspace rec709 frame.raw; then
	fail "the colour-bar check accepted BT.601 bars as BT.709"
fi
