/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LKL_CMPXCHG_H
#define _ASM_LKL_CMPXCHG_H

/*
 * Real atomic instructions (the compiler's builtins) rather than the
 * interrupt-disabling generic versions: the port's own CPU hand-off and
 * the host callbacks touch some of these words from other host threads.
 */
#define arch_xchg(ptr, x)						\
	__atomic_exchange_n((ptr), (__typeof__(*(ptr)))(x), __ATOMIC_SEQ_CST)

#define arch_cmpxchg(ptr, o, n)						\
({									\
	__typeof__(*(ptr)) __old = (__typeof__(*(ptr)))(o);		\
	__atomic_compare_exchange_n((ptr), &__old,			\
				    (__typeof__(*(ptr)))(n), 0,		\
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);\
	__old;								\
})

#define arch_cmpxchg_local(ptr, o, n)	arch_cmpxchg((ptr), (o), (n))
#define arch_cmpxchg64(ptr, o, n)	arch_cmpxchg((ptr), (o), (n))
#define arch_cmpxchg64_local(ptr, o, n)	arch_cmpxchg((ptr), (o), (n))

#endif
