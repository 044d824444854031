#!/usr/bin/env python3
"""Writes a partition table into an existing image, leaving its data alone.

Usage: make-partition-table.py gpt|mbr IMAGE START_MIB:SIZE_MIB...

gpt: a protective MBR, the primary GPT header at LBA 1 and 128 entries at
LBA 2 (type "Linux filesystem data"), with their CRC-32s, and the backup
header and entries at the end of the image, as sgdisk writes them. mbr: up
to four primary entries of type 0x83. The suites make partitioned images
with it (and mkfs -E offset= for the file systems inside), since the
machines have no sfdisk.
"""
import os
import struct
import sys
import uuid
import zlib

SECTOR = 512
LINUX_DATA = uuid.UUID("0FC63DAF-8483-4772-8E79-3D69D8477DE4")


def mbr_entry(ptype, start, count):
    return struct.pack("<B3sB3sII", 0, b"\0\0\0", ptype, b"\0\0\0", start, count)


def main():
    kind, image, parts = sys.argv[1], sys.argv[2], sys.argv[3:]
    size = os.path.getsize(image)
    sectors = size // SECTOR
    ranges = []
    for p in parts:
        start, length = (int(x) for x in p.split(":"))
        ranges.append((start * 2048, (start + length) * 2048 - 1))
    with open(image, "r+b") as f:
        if kind == "mbr":
            table = b"".join(mbr_entry(0x83, a, b - a + 1) for a, b in ranges)
            table += b"\0" * (64 - len(table))
            f.seek(446)
            f.write(table + b"\x55\xaa")
            return
        f.seek(446)
        f.write(mbr_entry(0xEE, 1, min(sectors - 1, 0xFFFFFFFF)) + b"\0" * 48 + b"\x55\xaa")
        entries = b""
        for i, (a, b) in enumerate(ranges):
            pid = uuid.UUID(int=i + 1)
            name = f"part{i + 1}".encode("utf-16-le")
            entries += LINUX_DATA.bytes_le + pid.bytes_le + struct.pack("<QQQ", a, b, 0) + name.ljust(72, b"\0")
        entries = entries.ljust(128 * 128, b"\0")
        entries_crc = zlib.crc32(entries)
        disk_guid = uuid.UUID(int=0x1234).bytes_le

        def header(current, backup, entries_lba):
            h = struct.pack(
                "<8sIIIIQQQQ16sQIII",
                b"EFI PART", 0x00010000, 92, 0, 0, current, backup, 34, sectors - 34, disk_guid,
                entries_lba, 128, 128, entries_crc,
            )
            h = h[:16] + struct.pack("<I", zlib.crc32(h)) + h[20:]
            return h.ljust(SECTOR, b"\0")

        f.seek(SECTOR)
        f.write(header(1, sectors - 1, 2))
        f.write(entries)
        f.seek((sectors - 33) * SECTOR)
        f.write(entries)
        f.write(header(sectors - 1, 1, sectors - 33))


if __name__ == "__main__":
    main()
