/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lkl_setjmp/lkl_longjmp: save and restore the System V x86-64
 * callee-saved registers, the stack pointer and the return address.
 * Used only to bring a thread back to one of its own frames (a task that
 * switched away on a borrowed thread, a dying task, a dead kernel).
 */
#include <linux/linkage.h>

	.text
SYM_FUNC_START(lkl_setjmp)
	movq	%rbx, 0(%rdi)
	movq	%rbp, 8(%rdi)
	movq	%r12, 16(%rdi)
	movq	%r13, 24(%rdi)
	movq	%r14, 32(%rdi)
	movq	%r15, 40(%rdi)
	leaq	8(%rsp), %rdx		/* caller's stack pointer after return */
	movq	%rdx, 48(%rdi)
	movq	(%rsp), %rdx		/* return address */
	movq	%rdx, 56(%rdi)
	xorl	%eax, %eax
	ret
SYM_FUNC_END(lkl_setjmp)

SYM_FUNC_START(lkl_longjmp)
	movl	%esi, %eax
	testl	%eax, %eax
	jnz	1f
	incl	%eax			/* setjmp must never appear to return 0 twice */
1:	movq	0(%rdi), %rbx
	movq	8(%rdi), %rbp
	movq	16(%rdi), %r12
	movq	24(%rdi), %r13
	movq	32(%rdi), %r14
	movq	40(%rdi), %r15
	movq	48(%rdi), %rsp
	jmpq	*56(%rdi)
SYM_FUNC_END(lkl_longjmp)
