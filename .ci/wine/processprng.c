/* A stand-in for bcryptprimitives.dll's ProcessPrng, which every Windows
   10/11 has and Wine 8.0 lacks; Go's runtime calls it for random bytes. */
#include <windows.h>
typedef BOOLEAN (WINAPI *rtlgenrandom_t)(PVOID, ULONG);
BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
    static rtlgenrandom_t gen;
    if (!gen) {
        HMODULE m = LoadLibraryA("advapi32.dll");
        if (!m) return FALSE;
        gen = (rtlgenrandom_t)GetProcAddress(m, "SystemFunction036");
        if (!gen) return FALSE;
    }
    while (len > 0) {
        ULONG n = len > 0x7fffffff ? 0x7fffffff : (ULONG)len;
        if (!gen(data, n)) return FALSE;
        data += n; len -= n;
    }
    return TRUE;
}
