"""Shrink the ICU data library that Qt carries (libicudata, 31 MB) to the parts Qt can load.

Qt links ICU for five jobs only (the ICU functions `libQt6Core` imports): case mapping with a
locale (`u_strToUpper`), time-zone display names (`ucal_*`), legacy text encodings (`ucnv_*`) and
collation (`ucol_*`). Everything else in the data (the display names of languages, regions,
currencies and units, spell-out rules, transliterators, break-iterator dictionaries, character
names, stringprep profiles) is read only through ICU functions that nothing in the bundle imports.

The script checks that claim against the bundle itself before it removes anything: it lists every
ICU function any library in the bundle imports and refuses (exit 1) when one of them reads a data
family this script would drop. Then it takes the data package out of libicudata, removes the
unused items with ICU's own `icupkg`, and links a new libicudata with the same soname and the same
single symbol (`icudtNN_dat`).

Usage: python packaging/trim_icu.py dist/checkin-app     (needs icupkg from icu-devtools, and cc)
"""
from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

# Data families removed, and the ICU functions (by prefix) that would read each one. A bundle
# library importing any of these functions stops the trim.
DROPPED: dict[str, tuple[str, ...]] = {
    "brkitr/": ("ubrk_", "utext_"),  # break iterators and their dictionaries
    "curr/": ("ucurr_", "unum_", "unumf_"),  # currency names
    "lang/": ("uloc_getDisplay", "uldn_"),  # language display names
    "region/": ("uloc_getDisplay", "uldn_", "uregion_"),  # region display names
    "unit/": ("unumf_", "umeasfmt_", "ulistfmt_"),  # measurement unit names
    "rbnf/": ("unum_", "urbnf_"),  # spell-out rules
    "translit/": ("utrans_",),  # transliterators
    "unames.icu": ("u_charName", "u_charFromName", "u_enumCharNames"),
    "confusables": ("uspoof_",),
    ".spp": ("usprep_",),  # stringprep profiles (Qt has its own IDNA)
}
# Time-zone display names: ucal_getTimeZoneDisplayName reads zone/<locale>.res. The app speaks
# English, so root and English stay; any other locale falls back to them.
ZONE_KEEP = re.compile(r"zone/(root|en(_[A-Za-z0-9]+)*|pool|res_index)\.res$")


def dropped(item: str) -> bool:
    if item.startswith("zone/"):
        return not ZONE_KEEP.match(item)
    return any(item.startswith(key) or key in item for key in DROPPED)


def icu_imports(bundle: Path) -> set[str]:
    """Every ICU function (version suffix removed) that a library outside ICU itself imports."""
    names: set[str] = set()
    for lib in bundle.rglob("*.so*"):
        if lib.name.startswith("libicu") or lib.is_symlink() or not lib.is_file() or lib.read_bytes()[:4] != b"\x7fELF":
            continue
        out = subprocess.run(["readelf", "--dyn-syms", "-W", str(lib)], capture_output=True, text=True).stdout
        for line in out.splitlines():
            parts = line.split()
            if len(parts) >= 8 and parts[6] == "UND":
                m = re.match(r"(u[a-z]*_[A-Za-z]+)_\d+(@|$)", parts[7])
                if m:
                    names.add(m.group(1))
    return names


def blockers(imports: set[str]) -> list[str]:
    return sorted(f"{fn} reads {family}" for family, prefixes in DROPPED.items()
                  for fn in imports if fn.startswith(prefixes))


def data_symbol(lib: Path) -> tuple[str, int]:
    """The data symbol's name and size; it must be the whole of .rodata (as ICU builds it)."""
    syms = subprocess.run(["readelf", "--dyn-syms", "-W", str(lib)], capture_output=True, text=True, check=True).stdout
    found = [line.split() for line in syms.splitlines() if re.search(r"\bicudt\d+_dat$", line)]
    if len(found) != 1:
        raise SystemExit(f"trim_icu: {lib.name} does not export exactly one icudtNN_dat symbol")
    return found[0][7], int(found[0][2], 0)


def trim(lib: Path, work: Path) -> tuple[int, int]:
    symbol, size = data_symbol(lib)
    soname = re.search(r"SONAME\).*\[(.+)\]", subprocess.run(["readelf", "-d", str(lib)], capture_output=True,
                                                             text=True, check=True).stdout).group(1)
    package = work / (symbol.removesuffix("_dat") + "l.dat")  # the "l" marks little-endian ASCII data
    subprocess.run(["objcopy", "-O", "binary", "--only-section=.rodata", str(lib), str(package)], check=True)
    if package.stat().st_size != size:
        raise SystemExit(f"trim_icu: .rodata of {lib.name} is not just the data package")
    items = subprocess.run(["icupkg", "-l", str(package)], capture_output=True, text=True, check=True).stdout.split()
    remove = [item for item in items if dropped(item)]
    (work / "remove.txt").write_text("\n".join(remove) + "\n")
    smaller = work / "small" / package.name
    smaller.parent.mkdir()
    subprocess.run(["icupkg", "-r", str(work / "remove.txt"), str(package), str(smaller)], check=True,
                   capture_output=True)
    asm = work / "data.S"
    asm.write_text(f""".section .rodata
.balign 16
.globl {symbol}
.type {symbol}, @object
{symbol}:
.incbin "{smaller}"
.size {symbol}, . - {symbol}
.section .note.GNU-stack,"",@progbits
""")
    out = work / soname
    subprocess.run(["cc", "-shared", "-nostdlib", f"-Wl,-soname,{soname}", "-o", str(out), str(asm)], check=True)
    subprocess.run(["strip", "--strip-unneeded", str(out)], check=True)
    before = lib.stat().st_size
    lib.write_bytes(out.read_bytes())
    print(f"trim_icu: {lib.name}: {len(remove)} of {len(items)} items removed, "
          f"{before / 2**20:.1f} MB -> {lib.stat().st_size / 2**20:.1f} MB")
    return before, lib.stat().st_size


def main(argv: list[str]) -> int:
    bundle = Path(argv[1] if len(argv) > 1 else "dist/checkin-app")
    libs = [p for p in bundle.rglob("libicudata.so*") if p.is_file() and not p.is_symlink()]
    if not libs:
        print("trim_icu: no libicudata in the bundle; nothing to do")
        return 0
    stop = blockers(icu_imports(bundle))
    if stop:
        print("trim_icu: not trimming, the bundle uses data this script would drop:\n  " + "\n  ".join(stop),
              file=sys.stderr)
        return 1
    for lib in libs:
        with tempfile.TemporaryDirectory(prefix="trim-icu-") as tmp:
            trim(lib, Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
