#!/bin/sh
# Install the Debian packages Pinhole needs to build and test.
# As root it runs apt-get; otherwise it prints the one line to run.
set -eu

packages="meson ninja-build pkg-config gcc g++ clang python3-yaml libyaml-dev libspng-dev libpng-dev
libcmocka-dev valgrind clang-format man-db libjpeg62-turbo-dev libopencv-imgproc-dev libv4l-dev
libudev-dev libturbojpeg0-dev v4l-utils qemu-system-x86 busybox-static cpio patch libdrm-dev
libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev gstreamer1.0-tools gstreamer1.0-plugins-base
gstreamer1.0-plugins-good ffmpeg libtiff-dev libraw-bin libimage-exiftool-perl libjpeg-turbo-progs
libsodium-dev libseccomp-dev libclang-rt-14-dev libfuzzer-14-dev
gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user"

missing=""
for p in $packages; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "Missing build dependencies. Run:" >&2
	echo "  sudo apt-get install -y$missing" >&2
	exit 1
fi
echo "Installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq || apt-get update
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
