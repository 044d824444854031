/* bcryptprimitives.dll for Wine 8.0, which lacks it.
 *
 * Rust std (1.78 and later) imports bcryptprimitives!ProcessPrng for its
 * random seeds; Windows 10 has it, Wine 8.0 does not, so Rust user-mode
 * programs fail to load. This one-function DLL fills the buffer from
 * RtlGenRandom (advapi32!SystemFunction036), which Wine implements. It is
 * placed next to the test programs in the private prefix only. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
