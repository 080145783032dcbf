"""Marks the one GLIBCXX_3.4.32 version need of TorchSharp's native library weak (VER_FLG_WEAK), so
that Debian 12's libstdc++ (GCC 12, which defines versions up to GLIBCXX_3.4.30) loads it. Benchmark
use only: it edits the copy in a bench program's output folder, never a package or the library.

It first checks with readelf that the file needs GLIBCXX_3.4.32 exactly once (and names no other
missing version), then finds that Elf64_Vernaux entry in .gnu.version_r itself and sets bit 0x2 of
its vna_flags. Safe to run again (an entry already weak is left as is).
Usage: patch-torchsharp-glibcxx.py PATH/libLibTorchSharp.so
"""
import re
import struct
import subprocess
import sys

WANTED = "GLIBCXX_3.4.32"
VER_FLG_WEAK = 0x2


def readelf_needs(path):
    out = subprocess.run(["readelf", "-V", "-W", path], check=True, capture_output=True, text=True).stdout
    section = out[out.index(".gnu.version_r"):] if ".gnu.version_r" in out else ""
    return re.findall(r"Name: (\S+)\s+Flags: (\S+)", section)


def main(path):
    needs = readelf_needs(path)
    matches = [flags for name, flags in needs if name == WANTED]
    if len(matches) != 1:
        raise SystemExit(f"{path}: expected exactly one {WANTED} version need, readelf shows {len(matches)}")
    if matches[0] == "WEAK":
        print(f"{path}: {WANTED} is already weak")
        return
    data = bytearray(open(path, "rb").read())
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise SystemExit(f"{path}: not a 64-bit little-endian ELF file")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    SHT_GNU_verneed = 0x6FFFFFFE
    verneed = [s for s in sections if s[1] == SHT_GNU_verneed]
    if len(verneed) != 1:
        raise SystemExit(f"{path}: expected one .gnu.version_r section, found {len(verneed)}")
    _, _, _, _, offset, _, link, info, _, _ = verneed[0]
    strtab = sections[link][4]

    def name_at(off):
        end = data.index(b"\0", strtab + off)
        return data[strtab + off:end].decode()

    patched = 0
    entry = offset
    for _ in range(info):  # sh_info: the number of Verneed entries
        vn_version, vn_cnt, vn_file, vn_aux, vn_next = struct.unpack_from("<HHIII", data, entry)
        aux = entry + vn_aux
        for _ in range(vn_cnt):
            vna_hash, vna_flags, vna_other, vna_name, vna_next = struct.unpack_from("<IHHII", data, aux)
            if name_at(vna_name) == WANTED:
                struct.pack_into("<H", data, aux + 4, vna_flags | VER_FLG_WEAK)
                patched += 1
            aux += vna_next
        if vn_next == 0:
            break
        entry += vn_next
    if patched != 1:
        raise SystemExit(f"{path}: found {patched} {WANTED} entries while walking .gnu.version_r")
    tmp = path + ".patching"
    open(tmp, "wb").write(data)
    __import__("os").replace(tmp, path)
    after = [flags for name, flags in readelf_needs(path) if name == WANTED]
    if after != ["WEAK"]:
        raise SystemExit(f"{path}: readelf does not show {WANTED} as weak after patching ({after})")
    print(f"{path}: {WANTED} marked weak")


if __name__ == "__main__":
    main(sys.argv[1])
