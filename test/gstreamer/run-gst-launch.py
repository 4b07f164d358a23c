#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""gst-launch-1.0 pinholesrc -> videoconvert -> pngenc -> multifilesink makes
60 frames, and each is a complete PNG: signature, chunk CRCs, and image data
that inflates to exactly the rows IHDR announces (checked with zlib, no
GStreamer involved). Also checks that gst-inspect-1.0 documents the element."""
import os
import struct
import subprocess
import sys
import tempfile
import zlib

FRAMES = 60
WIDTH, HEIGHT = 1280, 720
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # PNG colour type -> samples per pixel


def check_png(path):
    data = open(path, 'rb').read()
    if data[:8] != b'\x89PNG\r\n\x1a\n':
        raise ValueError('no PNG signature')
    pos, idat, ihdr, ended = 8, b'', None, False
    while pos < len(data):
        length, kind = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        crc, = struct.unpack('>I', data[pos + 8 + length:pos + 12 + length])
        if zlib.crc32(kind + body) != crc:
            raise ValueError('bad CRC in %s chunk' % kind.decode())
        if kind == b'IHDR':
            ihdr = struct.unpack('>IIBBBBB', body)
        elif kind == b'IDAT':
            idat += body
        elif kind == b'IEND':
            ended = True
        pos += 12 + length
    if not ihdr or not ended:
        raise ValueError('missing IHDR or IEND')
    w, h, depth, colour, _, _, interlace = ihdr
    if (w, h) != (WIDTH, HEIGHT) or interlace:
        raise ValueError('unexpected header %r' % (ihdr,))
    raw = zlib.decompress(idat)
    row = 1 + w * CHANNELS[colour] * depth // 8
    if len(raw) != row * h:
        raise ValueError('%d bytes of image data, expected %d' % (len(raw), row * h))
    if any(raw[y * row] > 4 for y in range(h)):
        raise ValueError('invalid row filter')
    return raw


def main():
    out = tempfile.mkdtemp(prefix='pinholesrc-png-')
    cmd = ['gst-launch-1.0', '-q', 'pinholesrc', 'camera=virtual', 'num-buffers=%d' % FRAMES,
           '!', 'video/x-raw,format=NV12,width=%d,height=%d' % (WIDTH, HEIGHT),
           '!', 'videoconvert', '!', 'pngenc',
           '!', 'multifilesink', 'location=' + os.path.join(out, 'frame-%02d.png')]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        sys.exit('gst-launch failed (%d):\n%s%s' % (r.returncode, r.stdout, r.stderr))
    files = sorted(os.listdir(out))
    expected = ['frame-%02d.png' % i for i in range(FRAMES)]
    if files != expected:
        sys.exit('expected %d frames, got %d: %s' % (FRAMES, len(files), files[:5]))
    first = last = None
    for name in files:
        try:
            raw = check_png(os.path.join(out, name))
        except (ValueError, zlib.error, struct.error, KeyError) as e:
            sys.exit('%s: %s' % (name, e))
        first = raw if first is None else first
        last = raw
        os.unlink(os.path.join(out, name))
    os.rmdir(out)
    # The scene moves (and auto exposure converges): frames are not all the same.
    if first == last:
        sys.exit('first and last frames are identical')
    print('%d PNG frames of %dx%d decoded' % (FRAMES, WIDTH, HEIGHT))

    r = subprocess.run(['gst-inspect-1.0', 'pinholesrc'], capture_output=True, text=True,
                       timeout=120)
    if r.returncode != 0:
        sys.exit('gst-inspect-1.0 pinholesrc failed:\n' + r.stderr)
    for needle in ['Pinhole camera source', 'video/x-bayer', 'rggb10le', 'NV12', 'camera ',
                   'exposure-time', 'analogue-gain', 'ae-enable', 'awb-enable', 'brightness',
                   'contrast', 'saturation', 'PinholeMeta']:
        if needle not in r.stdout:
            sys.exit('gst-inspect-1.0 pinholesrc does not mention %r' % needle)
    print('gst-inspect-1.0 pinholesrc documents the element')


if __name__ == '__main__':
    main()
