/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LKL_JMP_H
#define _ASM_LKL_JMP_H

/*
 * The port's own setjmp/longjmp (x86-64 System V callee-saved registers).
 * It only moves a thread back to a frame of its own; it never unwinds
 * anything, so the same code works in a Windows driver.
 */
struct lkl_jmp_buf {
	unsigned long regs[8];
};

int lkl_setjmp(struct lkl_jmp_buf *buf) __attribute__((returns_twice));
void lkl_longjmp(struct lkl_jmp_buf *buf, int val) __attribute__((noreturn));

#endif
