#!/usr/bin/env python3
"""Lists what a driver image imports and what Wine's kernel does with each.

Usage: wine-import-report.py DRIVER.sys WINE_PE_DIR

For every import of DRIVER.sys from ntoskrnl.exe or HAL.dll it reads the
matching export of Wine's own PE build of that module and prints one line:
"real" (Wine has code for it), "STUB" (Wine's generated stub that raises
on call: the code path can only be tested on Windows), "data" (an exported
variable), or "MISSING" (Wine would refuse to load the driver). Exits 1 if
anything is missing. Stub detection reads the code: winebuild's stubs all
start `sub rsp,0x28; lea rcx,[rip+x]; lea rdx,[rip+y]; call`.
"""
import struct
import sys


class Pe:
    def __init__(self, path):
        self.d = open(path, "rb").read()
        pe = struct.unpack_from("<I", self.d, 0x3C)[0]
        nsec = struct.unpack_from("<H", self.d, pe + 6)[0]
        osz = struct.unpack_from("<H", self.d, pe + 20)[0]
        self.opt = pe + 24
        self.secs = []
        for i in range(nsec):
            o = self.opt + osz + 40 * i
            _, vs, va, _, ra = struct.unpack_from("<8sIIII", self.d, o)
            flags = struct.unpack_from("<I", self.d, o + 36)[0]
            self.secs.append((va, vs, ra, flags))

    def off(self, rva):
        for va, vs, ra, _ in self.secs:
            if va <= rva < va + vs:
                return rva - va + ra
        return None

    def executable(self, rva):
        return any(va <= rva < va + vs and flags & 0x20000000 for va, vs, _, flags in self.secs)

    def cstr(self, rva):
        o = self.off(rva)
        return self.d[o:self.d.index(b"\0", o)].decode()

    def dir(self, index):
        return struct.unpack_from("<II", self.d, self.opt + 112 + 8 * index)

    def exports(self):
        rva, _ = self.dir(0)
        if not rva:
            return {}
        e = self.off(rva)
        _, nnames, af, an, ao = struct.unpack_from("<IIIII", self.d, e + 20)
        out = {}
        for i in range(nnames):
            name = self.cstr(struct.unpack_from("<I", self.d, self.off(an) + 4 * i)[0])
            ordinal = struct.unpack_from("<H", self.d, self.off(ao) + 2 * i)[0]
            out[name] = struct.unpack_from("<I", self.d, self.off(af) + 4 * ordinal)[0]
        return out

    def imports(self):
        rva, _ = self.dir(1)
        o = self.off(rva)
        result = []
        while True:
            ilt, _, _, name, iat = struct.unpack_from("<IIIII", self.d, o)
            if not name:
                return result
            dll = self.cstr(name)
            t = self.off(ilt or iat)
            while True:
                entry = struct.unpack_from("<Q", self.d, t)[0]
                if not entry:
                    break
                if not entry >> 63:
                    result.append((dll, self.cstr((entry & 0x7FFFFFFF) + 2)))
                t += 8
            o += 20


def classify(pe, rva):
    if not pe.executable(rva):
        return "data"
    code = pe.d[pe.off(rva):pe.off(rva) + 19]
    if code[:4] == b"\x48\x83\xec\x28" and code[4:7] == b"\x48\x8d\x0d" and code[11:14] == b"\x48\x8d\x15" and code[18:19] == b"\xe8":
        return "STUB"
    return "real"


def main():
    driver, wine_dir = sys.argv[1], sys.argv[2]
    modules = {}
    missing = 0
    for dll, name in Pe(driver).imports():
        key = dll.lower()
        if key not in modules:
            pe = Pe(f"{wine_dir}/{key}")
            modules[key] = (pe, pe.exports())
        pe, exports = modules[key]
        if name not in exports:
            kind = "MISSING"
            missing += 1
        else:
            kind = classify(pe, exports[name])
        print(f"{kind:8} {dll}!{name}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
