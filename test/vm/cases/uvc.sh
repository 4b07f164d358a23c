# SPDX-License-Identifier: LGPL-2.1-or-later
# A real USB webcam through uvcvideo: a UVC gadget function (configfs,
# usb_f_uvc) on dummy_hcd, fed by test/vm/uvc-gadget.c with colour bars and
# a frame number, YUYV at 320x240 and 640x480, Motion-JPEG at 640x480 and
# 800x600. Pinhole finds it as a "uvc" camera; `pinhole list` and `info`
# show it; YUYV frames carry the bars and a growing frame number; NV12 (not
# offered by the device) and YUYV at 800x600 (offered only as Motion-JPEG)
# are decoded from Motion-JPEG and match within JPEG's error; Brightness and
# AeEnable set through Pinhole reach the gadget; unplugging the gadget
# mid-stream removes the camera cleanly (no hang, no fd leaked).
# Under TCG a JPEG takes the gadget and Pinhole's decoder a few hundred ms:
# the decoded captures run at 2 fps, which both keep up with, and no frame
# may be dropped anywhere.
# vm-timeout: 240
. /vm/lib.sh

G=/sys/kernel/config/usb_gadget/pinhole
F=$G/functions/uvc.0
PRODUCT="Pinhole Test Webcam"

w() { echo "$2" > "$1" || fail "cannot write $2 to $1"; }

# frame FORMAT_DIR NAME WIDTH HEIGHT: a frame size at 30, 15, 10 and 2 fps.
frame() {
	d=$1/$2
	mkdir "$d" || fail "mkdir $d"
	w "$d/wWidth" "$3"
	w "$d/wHeight" "$4"
	w "$d/dwMaxVideoFrameBufferSize" $(($3 * $4 * 2))
	w "$d/dwMinBitRate" $(($3 * $4 * 16 * 10))
	w "$d/dwMaxBitRate" $(($3 * $4 * 16 * 30))
	printf '333333\n666666\n1000000\n5000000\n' > "$d/dwFrameInterval" ||
		fail "dwFrameInterval of $d"
	w "$d/dwDefaultFrameInterval" 333333
}

check modprobe dummy_hcd
check modprobe libcomposite
check modprobe usb_f_uvc
grep -q configfs /proc/mounts || check mount -t configfs none /sys/kernel/config

mkdir "$G" || fail "mkdir $G"
w "$G/idVendor" 0x1d6b # Linux Foundation
w "$G/idProduct" 0x0104 # multifunction composite gadget
w "$G/bcdUSB" 0x0200
w "$G/bDeviceClass" 0xef # miscellaneous, with an interface association
w "$G/bDeviceSubClass" 0x02
w "$G/bDeviceProtocol" 0x01
mkdir -p "$G/strings/0x409" "$G/configs/c.1/strings/0x409"
w "$G/strings/0x409/manufacturer" Pinhole
w "$G/strings/0x409/product" "$PRODUCT"
w "$G/strings/0x409/serialnumber" 0001
w "$G/configs/c.1/strings/0x409/configuration" UVC

mkdir "$F" || fail "mkdir $F"
mkdir "$F/control/header/h"
ln -s "$F/control/header/h" "$F/control/class/fs/h"
ln -s "$F/control/header/h" "$F/control/class/ss/h"
mkdir "$F/streaming/uncompressed/u" "$F/streaming/mjpeg/m"
frame "$F/streaming/uncompressed/u" 240p 320 240
frame "$F/streaming/uncompressed/u" 480p 640 480
frame "$F/streaming/mjpeg/m" 480p 640 480
frame "$F/streaming/mjpeg/m" 600p 800 600
mkdir "$F/streaming/header/h"
ln -s "$F/streaming/uncompressed/u" "$F/streaming/header/h/u"
ln -s "$F/streaming/mjpeg/m" "$F/streaming/header/h/m"
for speed in fs hs ss; do
	ln -s "$F/streaming/header/h" "$F/streaming/class/$speed/h"
done
# High speed: 3 transactions of 1024 bytes a microframe.
w "$F/streaming_maxpacket" 3072
ln -s "$F" "$G/configs/c.1/uvc.0"
udc=$(ls /sys/class/udc | head -n 1)
[ -n "$udc" ] || fail "no UDC in /sys/class/udc"
w "$G/UDC" "$udc"
echo "gadget bound to $udc"

# The gadget program answers uvcvideo's probe: it runs before uvcvideo loads.
"$VM_UVC_GADGET" --function "$F" > gadget.log 2>&1 &
gadget=$!
for i in $(seq 50); do
	grep -q 'uvc-gadget: ready' gadget.log && break
	kill -0 $gadget 2>/dev/null || { cat gadget.log; fail "uvc-gadget exited"; }
	sleep 0.2
done
grep -q 'uvc-gadget: ready' gadget.log || { cat gadget.log; fail "uvc-gadget not ready"; }
check modprobe uvcvideo
dev=
for i in $(seq 100); do
	for d in /sys/class/video4linux/*; do
		# uvcvideo appends the function's name: "Pinhole Test Webcam: UVC Camera"
		case "$(cat "$d/name" 2>/dev/null)" in
		"$PRODUCT"*) [ -z "$dev" ] && dev=/dev/${d##*/} ;;
		esac
	done
	[ -n "$dev" ] && break
	sleep 0.2
done
[ -n "$dev" ] || { dmesg | tail -n 20; cat gadget.log; fail "uvcvideo made no node for the gadget"; }
echo "uvcvideo's node: $dev"
check v4l2-ctl -d "$dev" --list-formats-ext

# Enumeration: one uvc camera with the native and the decoded formats.
check "$VM_TEST_VM" list --camera uvc:usb- --expect 1 --formats YUYV,NV12,RGB888
id=$("$VM_TEST_VM" id --camera uvc:usb-) || fail "no uvc camera: $id"
"$VM_PINHOLE" list > list.txt || fail "pinhole list"
cat list.txt
grep -qF "$id" list.txt || fail "pinhole list does not show $id"
"$VM_PINHOLE" info "$id" > info.txt || fail "pinhole info $id"
cat info.txt
grep -q "$PRODUCT" info.txt || fail "pinhole info does not show the model"
grep -q Brightness info.txt || fail "pinhole info does not show Brightness"

failed=
# FORMAT:SIZE:TOLERANCE:FPS:FRAMES. YUYV as the device sends it, then NV12
# and YUYV at 800x600 decoded from Motion-JPEG (JPEG's error on the flat
# bars is up to 3 levels at quality 90).
for mode in YUYV:320x240:4:10:10 YUYV:640x480:4:10:10 NV12:640x480:8:2:6 YUYV:800x600:8:2:6; do
	IFS=: read format size tolerance fps frames <<EOF
$mode
EOF
	echo "+ test-vm capture $format $size at $fps fps"
	"$VM_TEST_VM" capture --camera uvc:usb- --format $format --size $size --frames $frames \
		--fps $fps --bars --tolerance $tolerance --counter || failed="$failed $format@$size"
done
grep 'uvc-gadget: streaming' gadget.log
grep -q 'streaming MJPG 640x480' gadget.log || failed="$failed NV12-not-from-MJPEG"
grep -q 'streaming MJPG 800x600' gadget.log || failed="$failed 800x600-not-from-MJPEG"

# Controls through Pinhole reach the device. Brightness: 0.5 of the range
# above the default (0..64) is 32. AeEnable: the camera terminal's
# auto-exposure mode, manual (1) or aperture priority (8), the modes the
# gadget offers.
check "$VM_PINHOLE" capture "$id" --frames 2 --control Brightness=0.5 --control AeEnable=false \
	--metadata --stream role=video,width=320,height=240,format=YUYV --output 'ctl-#.raw' > md.txt
cat md.txt
grep -q 'Brightness=0.5' md.txt || failed="$failed brightness-metadata"
grep -q 'brightness set to 32$' gadget.log || failed="$failed brightness-not-received"
grep -q 'auto-exposure mode set to 1$' gadget.log || failed="$failed ae-off-not-received"
check "$VM_PINHOLE" capture "$id" --frames 1 --control AeEnable=true \
	--stream role=video,width=320,height=240,format=YUYV --output 'ae-#.raw'
grep -q 'auto-exposure mode set to 8$' gadget.log || failed="$failed ae-on-not-received"
grep -E 'brightness|auto-exposure' gadget.log

# Unplug mid-stream.
check "$VM_TEST_VM" inject --camera uvc:usb- --device "$dev" --error unplug --unplug "$G/UDC"
for i in $(seq 25); do
	kill -0 $gadget 2>/dev/null || break
	sleep 0.2
done
kill -0 $gadget 2>/dev/null && failed="$failed gadget-still-running"
wait $gadget
grep -q 'uvc-gadget: disconnected' gadget.log || failed="$failed gadget-not-disconnected"
check "$VM_TEST_VM" list --camera uvc:usb- --expect 0
grep 'stall' gadget.log | sort | uniq -c
tail -n 5 gadget.log
[ -z "$failed" ] || fail "failed:$failed"
