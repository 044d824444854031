/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/* The generic syscall table, with the 64-bit stat and rlimit calls. */
#define __ARCH_WANT_NEW_STAT
#define __ARCH_WANT_SET_GET_RLIMIT
#define __ARCH_WANT_SYS_CLONE
#define __ARCH_WANT_SYS_CLONE3

#include <asm-generic/unistd.h>
