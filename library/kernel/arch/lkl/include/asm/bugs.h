/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LKL_BUGS_H
#define _ASM_LKL_BUGS_H
/* No CPU errata to check: the "CPU" is the host. */
#endif
