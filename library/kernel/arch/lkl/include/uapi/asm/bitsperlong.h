/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
#ifndef _UAPI_ASM_LKL_BITSPERLONG_H
#define _UAPI_ASM_LKL_BITSPERLONG_H

/* The library is LP64 on every host, Windows included (see host_ops.h). */
#define __BITS_PER_LONG 64

#include <asm-generic/bitsperlong.h>

#endif
