#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Fetch the scikit-image sample photographs and run the demosaic quality test.

Usage: run-quality.py PROGRAM CACHE_DIR

The photographs come from Debian's python3-skimage package: `apt-get download`
plus `dpkg -x` into CACHE_DIR (the build directory), once; nothing is
installed. Without apt access the test is skipped (exit 77).
"""

import glob
import os
import shutil
import subprocess
import sys
import tempfile

IMAGES = ['astronaut.png', 'chelsea.png', 'coffee.png', 'motorcycle_left.png', 'rocket.jpg']
PACKAGE = 'python3-skimage'
SKIP = 77


def fetch(cache):
    """Put IMAGES in CACHE; return None, or why they could not be had."""
    if all(os.path.exists(os.path.join(cache, i)) for i in IMAGES):
        return None
    for tool in ('apt-get', 'dpkg'):
        if not shutil.which(tool):
            return '%s not found: not a Debian system' % tool
    os.makedirs(cache, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix='skimage-', dir=cache) as tmp:
        try:
            proc = subprocess.run(['apt-get', 'download', PACKAGE], cwd=tmp, capture_output=True,
                                  text=True, timeout=300)
        except subprocess.TimeoutExpired:
            return 'apt-get download %s timed out' % PACKAGE
        debs = glob.glob(os.path.join(tmp, PACKAGE + '_*.deb'))
        if proc.returncode != 0 or not debs:
            return 'apt-get download %s failed: %s' % (PACKAGE, proc.stderr.strip()[-300:])
        root = os.path.join(tmp, 'root')
        proc = subprocess.run(['dpkg', '-x', debs[0], root], capture_output=True, text=True)
        if proc.returncode != 0:
            return 'dpkg -x %s failed: %s' % (os.path.basename(debs[0]), proc.stderr.strip())
        found = glob.glob(os.path.join(root, 'usr', 'lib', 'python3*', '*-packages', 'skimage',
                                       'data'))
        if not found:
            return '%s holds no skimage/data directory' % os.path.basename(debs[0])
        for i in IMAGES:
            src = os.path.join(found[0], i)
            if not os.path.exists(src):
                return '%s lacks %s' % (os.path.basename(debs[0]), i)
            # Copy then rename: a cache never holds half an image.
            shutil.copyfile(src, os.path.join(cache, i + '.part'))
            os.replace(os.path.join(cache, i + '.part'), os.path.join(cache, i))
    return None


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    program, cache = sys.argv[1], sys.argv[2]
    why = fetch(cache)
    if why:
        print('SKIP: cannot get the scikit-image photographs: %s' % why)
        return SKIP
    sys.stdout.flush()
    return subprocess.run([program] + [os.path.join(cache, i) for i in IMAGES]).returncode


if __name__ == '__main__':
    sys.exit(main())
