# SPDX-License-Identifier: LGPL-2.1-or-later
# vimc (built from Debian's kernel source by vm.py): one media device whose
# capture nodes are fed by sub-devices (sensors, debayers, a scaler) that
# userspace must configure. Pinhole finds what each node can deliver
# through its chain, sets the media-bus formats along it at configure, and
# takes the controls from the sensor sub-device:
#  - RGB/YUV Capture (Sensor A -> Debayer A -> Scaler): "uvc", RGB only,
#    vimc's 75% colour bars in RGB888 and BGR888;
#  - Raw Capture 0 (Sensor A): "simple", Bayer through the software ISP
#    with the IPA's AE/AWB;
#  - probing leaves the sub-devices' formats as it found them, and works
#    while another process streams (it uses TRY formats);
#  - Brightness set through Pinhole reaches the sensor sub-device.
# vimc has no frame-interval control: it runs at its own pace (--fps 0).
# vm-timeout: 180
. /vm/lib.sh

check modprobe vimc
# Later cases count cameras: vimc's must not outlive this one.
trap 'rmmod vimc 2>/dev/null' EXIT
sleep 1
ls /dev/v4l-subdev* >/dev/null 2>&1 || fail "vimc made no sub-device nodes"

# The sensor feeding Raw Capture 0 and the debayer: find their nodes by name.
subdev_of() {
	for d in /sys/class/video4linux/v4l-subdev*; do
		[ "$(cat "$d/name")" = "$1" ] && { echo "/dev/${d##*/}"; return; }
	done
}
sensor=$(subdev_of "Sensor A")
[ -n "$sensor" ] || fail "no node for Sensor A"
before=$(v4l2-ctl -d "$sensor" --get-subdev-fmt 0)

check "$VM_PINHOLE" list
[ "$("$VM_PINHOLE" list | grep -c '(vimc)')" -eq 3 ] || fail "expected 3 vimc cameras"
rgb=uvc:platform:vimc:RGB-YUV-Capture
raw=simple:platform:vimc:Raw-Capture-0
"$VM_PINHOLE" list | grep -q " $rgb " || fail "no camera $rgb"
"$VM_PINHOLE" list | grep -q " $raw " || fail "no camera $raw"
after=$(v4l2-ctl -d "$sensor" --get-subdev-fmt 0)
[ "$before" = "$after" ] || fail "probing changed Sensor A's format: $before -> $after"

check "$VM_PINHOLE" info "$rgb" > info.txt
cat info.txt
grep -q SRGGB info.txt && fail "$rgb offers Bayer formats the scaler cannot send"
grep -q Brightness info.txt || fail "$rgb has no Brightness (the sensor sub-device's)"

for format in RGB888 BGR888; do
	check "$VM_TEST_VM" capture --camera "$rgb" --format $format --size 640x480 --frames 20 \
		--fps 0 --bars
done
check "$VM_TEST_VM" raw --camera "$raw" --raw-format SRGGB8 --size 640x480 --frames 30 --fps 0

# Brightness reaches the sensor: vimc's pattern generator brightens the frame.
check "$VM_PINHOLE" capture "$rgb" --frames 2 --control Brightness=0.5 \
	--stream size=320x240,format=RGB888 --output 'b-#.raw'
v4l2-ctl -d "$sensor" --get-ctrl brightness | tee ctrl.txt
grep -q 'brightness: 19[0-9]' ctrl.txt || fail "Brightness=0.5 did not reach Sensor A"

# Probing uses the sub-devices' TRY formats: a context made while another
# process streams from the same sensor still sees what the route delivers.
"$VM_PINHOLE" capture "$rgb" --frames 40 --stream size=640x480,format=RGB888 -q &
streamer=$!
sleep 2
check "$VM_PINHOLE" info "$rgb" > busy.txt
kill -0 $streamer 2>/dev/null || fail "the capture ended before the probe ran"
wait $streamer || fail "the capture failed while another context probed"
grep -q SRGGB busy.txt && fail "probing during streaming saw Bayer formats on $rgb"
grep -q RGB888 busy.txt || fail "probing during streaming lost RGB888 on $rgb"
