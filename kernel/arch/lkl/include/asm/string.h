/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LKL_STRING_H
#define _ASM_LKL_STRING_H
/* lib/string.c provides everything; no optimised host versions. */
#endif
