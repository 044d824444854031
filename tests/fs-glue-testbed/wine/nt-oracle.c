/* The NT oracle for fs-glue: replays an operation script through ntdll
 * (NtCreateFile, NtReadFile, NtWriteFile, NtSetInformationFile,
 * NtQueryDirectoryFile, NtClose) and prints one outcome line per operation,
 * in the format tests/fs-glue-testbed/tests/wine_oracle.rs parses. Run under wine64
 * on a drive backed by a host directory.
 *
 *   nt-oracle.exe ROOT SCRIPT OUT      (ROOT: the NT path of the drive, \??\X:)
 *
 * Script lines: C name access share disp opts | W slot off len fill |
 * R slot off len | E slot size | N slot replace target | D slot delete |
 * X slot | L dir pattern. Handles live in slots, the lowest free one first.
 */
#include <windows.h>
#include <winternl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

NTSTATUS NTAPI NtReadFile(HANDLE, HANDLE, PVOID, PVOID, PIO_STATUS_BLOCK, PVOID, ULONG, PLARGE_INTEGER, PULONG);
NTSTATUS NTAPI NtWriteFile(HANDLE, HANDLE, PVOID, PVOID, PIO_STATUS_BLOCK, const void *, ULONG, PLARGE_INTEGER, PULONG);
NTSTATUS NTAPI NtQueryDirectoryFile(HANDLE, HANDLE, PVOID, PVOID, PIO_STATUS_BLOCK, PVOID, ULONG, ULONG, BOOLEAN,
                                    PUNICODE_STRING, BOOLEAN);

#define SLOTS 256
static HANDLE slots[SLOTS];
static char root[64];

/* ASCII name with '\' separators -> NT path under the drive. */
static void nt_path(const char *name, WCHAR *out, size_t cap) {
    char full[1024];
    snprintf(full, sizeof full, "%s%s%s", root, name[0] == '\\' ? "" : "\\", name);
    size_t i = 0;
    for (; full[i] && i + 1 < cap; i++) out[i] = (unsigned char)full[i];
    out[i] = 0;
}

static void ustr(UNICODE_STRING *u, WCHAR *buf) {
    u->Buffer = buf;
    u->Length = (USHORT)(wcslen(buf) * 2);
    u->MaximumLength = u->Length + 2;
}

static NTSTATUS do_create(const char *name, ULONG access, ULONG share, ULONG disp, ULONG opts, HANDLE *h,
                          ULONG_PTR *info) {
    WCHAR path[1024];
    UNICODE_STRING u;
    OBJECT_ATTRIBUTES oa;
    IO_STATUS_BLOCK io;
    nt_path(name, path, 1024);
    ustr(&u, path);
    InitializeObjectAttributes(&oa, &u, OBJ_CASE_INSENSITIVE, NULL, NULL);
    io.Information = 0;
    NTSTATUS s = NtCreateFile(h, access | SYNCHRONIZE, &oa, &io, NULL, 0, share, disp,
                              opts | FILE_SYNCHRONOUS_IO_NONALERT, NULL, 0);
    *info = io.Information;
    return s;
}

static int free_slot(void) {
    for (int i = 0; i < SLOTS; i++)
        if (!slots[i]) return i;
    return -1;
}

static HANDLE slot(int i) { return i >= 0 && i < SLOTS ? slots[i] : NULL; }

int main(int argc, char **argv) {
    if (argc != 4) return 2;
    snprintf(root, sizeof root, "%s", argv[1]);
    FILE *in = fopen(argv[2], "r"), *out = fopen(argv[3], "w");
    if (!in || !out) return 3;
    char line[2048];
    while (fgets(line, sizeof line, in)) {
        char op = line[0], a[512] = "", b[512] = "";
        unsigned long x = 0, y = 0, z = 0, w = 0;
        IO_STATUS_BLOCK io;
        NTSTATUS s;
        if (op == 'C') {
            sscanf(line + 2, "%511s %lu %lu %lu %lu", a, &x, &y, &z, &w);
            HANDLE h = NULL;
            ULONG_PTR info = 0;
            s = do_create(a, x, y, z, w, &h, &info);
            if (s >= 0) {
                int i = free_slot();
                slots[i] = h;
                fprintf(out, "C %08lx %lu %d\n", (unsigned long)s, (unsigned long)info, i);
            } else {
                fprintf(out, "C %08lx %lu -\n", (unsigned long)s, (unsigned long)info);
            }
        } else if (op == 'W' || op == 'R') {
            sscanf(line + 2, "%lu %lu %lu %lu", &x, &y, &z, &w);
            HANDLE h = slot((int)x);
            if (!h) { fprintf(out, "K\n"); continue; }
            static unsigned char buf[65536];
            LARGE_INTEGER off;
            off.QuadPart = (LONGLONG)y;
            io.Information = 0;
            if (op == 'W') {
                memset(buf, (int)w, z);
                s = NtWriteFile(h, NULL, NULL, NULL, &io, buf, (ULONG)z, &off, NULL);
                fprintf(out, "S %08lx %lu\n", (unsigned long)s, s >= 0 ? (unsigned long)io.Information : 0UL);
            } else {
                s = NtReadFile(h, NULL, NULL, NULL, &io, buf, (ULONG)z, &off, NULL);
                if (s < 0 || s == 0x80000005) { fprintf(out, "S %08lx 0\n", (unsigned long)s); continue; }
                fprintf(out, "D ");
                for (ULONG_PTR i = 0; i < io.Information; i++) fprintf(out, "%02x", buf[i]);
                fprintf(out, "\n");
            }
        } else if (op == 'E') {
            sscanf(line + 2, "%lu %lu", &x, &y);
            HANDLE h = slot((int)x);
            if (!h) { fprintf(out, "K\n"); continue; }
            LARGE_INTEGER eof;
            eof.QuadPart = (LONGLONG)y;
            s = NtSetInformationFile(h, &io, &eof, sizeof eof, (FILE_INFORMATION_CLASS)20);
            fprintf(out, "S %08lx 0\n", (unsigned long)s);
        } else if (op == 'N') {
            sscanf(line + 2, "%lu %lu %511s", &x, &y, a);
            HANDLE h = slot((int)x);
            if (!h) { fprintf(out, "K\n"); continue; }
            static unsigned char rb[4096];
            WCHAR name[1024];
            if (a[0] == '\\') nt_path(a, name, 1024);
            else { size_t i = 0; for (; a[i]; i++) name[i] = (unsigned char)a[i]; name[i] = 0; }
            memset(rb, 0, sizeof rb);
            rb[0] = (unsigned char)y;                       /* ReplaceIfExists */
            ULONG len = (ULONG)(wcslen(name) * 2);
            memcpy(rb + 16, &len, 4);                         /* FileNameLength */
            memcpy(rb + 20, name, len);                       /* FileName */
            s = NtSetInformationFile(h, &io, rb, 20 + len, (FILE_INFORMATION_CLASS)10);
            fprintf(out, "S %08lx 0\n", (unsigned long)s);
        } else if (op == 'D') {
            sscanf(line + 2, "%lu %lu", &x, &y);
            HANDLE h = slot((int)x);
            if (!h) { fprintf(out, "K\n"); continue; }
            BOOLEAN del = (BOOLEAN)y;
            s = NtSetInformationFile(h, &io, &del, 1, (FILE_INFORMATION_CLASS)13);
            fprintf(out, "S %08lx 0\n", (unsigned long)s);
        } else if (op == 'X') {
            sscanf(line + 2, "%lu", &x);
            HANDLE h = slot((int)x);
            if (!h) { fprintf(out, "K\n"); continue; }
            slots[x] = NULL;
            s = NtClose(h);
            fprintf(out, "S %08lx 0\n", (unsigned long)s);
        } else if (op == 'L') {
            sscanf(line + 2, "%511s %511s", a, b);
            HANDLE h = NULL;
            ULONG_PTR info;
            s = do_create(a, FILE_LIST_DIRECTORY, 7, FILE_OPEN, FILE_DIRECTORY_FILE, &h, &info);
            if (s < 0) { fprintf(out, "L ERR %08lx\n", (unsigned long)s); continue; }
            WCHAR pat[512];
            size_t i = 0;
            for (; b[i]; i++) pat[i] = (unsigned char)b[i];
            pat[i] = 0;
            UNICODE_STRING up;
            ustr(&up, pat);
            static unsigned char db[512];
            int first = 1;
            char list[65536] = "";
            for (;;) {
                s = NtQueryDirectoryFile(h, NULL, NULL, NULL, &io, db, sizeof db, 1 /* FileDirectoryInformation */,
                                         FALSE, &up, FALSE);
                if (s < 0 || s == 0x80000006) break;
                ULONG off = 0;
                for (;;) {
                    ULONG next, nl, attrs;
                    LONGLONG eof;
                    memcpy(&next, db + off, 4);
                    memcpy(&eof, db + off + 40, 8);
                    memcpy(&attrs, db + off + 56, 4);
                    memcpy(&nl, db + off + 60, 4);
                    char n[300];
                    size_t k = 0;
                    for (; k < nl / 2 && k < 299; k++) n[k] = (char)((WCHAR *)(db + off + 64))[k];
                    n[k] = 0;
                    char e[400];
                    snprintf(e, sizeof e, " %s:%lld:%c", n, eof, (attrs & 0x10) ? 'd' : 'f');
                    strncat(list, e, sizeof list - strlen(list) - 1);
                    if (!next) break;
                    off += next;
                }
                first = 0;
            }
            if (first) fprintf(out, "L ERR %08lx\n", (unsigned long)s);
            else fprintf(out, "L OK%s\n", list);
            NtClose(h);
        } else {
            fprintf(out, "? %s", line);
        }
        fflush(out);
    }
    return 0;
}
