"""Strip the symbol tables from every shared library in a bundle, keeping any that strip would break.

Nothing at run time reads the symbols (a crash report still has the Python traceback), and they
are 17 MB of the Linux bundle, 18 of libpython's 23 MB among them. But `strip` rewrites the file,
and on libraries that auditwheel already rewrote with patchelf (NumPy's OpenBLAS, for one) the
result has load segments whose file offset and address disagree modulo the page size, which the
dynamic loader refuses ("ELF load command address/offset not page-aligned"). So each library is
stripped into a copy, the copy's PT_LOAD headers are checked exactly as the loader checks them, and
only a sound copy replaces the original.

Usage: python packaging/strip_libs.py dist/checkin-app
"""
from __future__ import annotations

import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

PT_LOAD = 1


def is_elf(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(4) == b"\x7fELF"


def loadable(path: Path) -> bool:
    """Whether every PT_LOAD segment has offset == address modulo its alignment (64-bit little-endian ELF)."""
    data = path.read_bytes()
    if data[4] != 2 or data[5] != 1:  # not ELF64 LSB: not what this bundle holds; leave it alone
        return False
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    for i in range(phnum):
        p_type, _flags, offset, vaddr, _paddr, _filesz, _memsz, align = struct.unpack_from(
            "<IIQQQQQQ", data, phoff + i * phentsize)
        if p_type == PT_LOAD and align > 1 and (vaddr - offset) % align:
            return False
    return True


def strip_bundle(bundle: Path) -> tuple[int, int, list[str]]:
    before = after = 0
    kept: list[str] = []
    with tempfile.TemporaryDirectory(prefix="strip-libs-") as tmp:
        for lib in sorted(bundle.rglob("*.so*")):
            if lib.is_symlink() or not lib.is_file() or not is_elf(lib):
                continue
            size = lib.stat().st_size
            before += size
            copy = Path(tmp) / lib.name
            shutil.copyfile(lib, copy)
            done = subprocess.run(["strip", "--strip-unneeded", str(copy)], capture_output=True, text=True)
            if done.returncode == 0 and loadable(copy) and copy.stat().st_size < size:
                shutil.copyfile(copy, lib)
            elif done.returncode != 0 or not loadable(copy):
                kept.append(lib.relative_to(bundle).as_posix())
            copy.unlink()
            after += lib.stat().st_size
    return before, after, kept


def main(argv: list[str]) -> int:
    bundle = Path(argv[1] if len(argv) > 1 else "dist/checkin-app")
    before, after, kept = strip_bundle(bundle)
    print(f"strip_libs: shared libraries {before / 2**20:.1f} MB -> {after / 2**20:.1f} MB")
    for name in kept:
        print(f"strip_libs: kept unstripped (strip would break it): {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
