/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LKL_HOST_OPS_H
#define _ASM_LKL_HOST_OPS_H

/*
 * The host operations table. It mirrors lkl_abi::ops::HostOps in Rust; the
 * order, the slot count and the version must match. All pointers use the
 * System V x86-64 convention: the Rust side declares them extern "sysv64",
 * so the same object serves Windows, where the native convention differs.
 */

#define LKL_HOST_OPS_VERSION 1
#define LKL_HOST_OPS_SLOTS 25

typedef void (*lkl_cfn)(void *arg);

struct lkl_host_ops {
	unsigned long version;
	void (*print)(const char *text, unsigned long len);
	void (*panic)(void);
	void *(*sem_alloc)(int count);
	void (*sem_free)(void *sem);
	void (*sem_up)(void *sem);
	void (*sem_down)(void *sem);
	void *(*mutex_alloc)(int recursive);
	void (*mutex_free)(void *mutex);
	void (*mutex_lock)(void *mutex);
	void (*mutex_unlock)(void *mutex);
	void *(*thread_create)(lkl_cfn fn, void *arg);
	int (*thread_join)(void *handle);
	unsigned long (*thread_self)(void);
	void *(*tls_alloc)(lkl_cfn destructor);
	void (*tls_free)(void *key);
	int (*tls_set)(void *key, void *value);
	void *(*tls_get)(void *key);
	void *(*mem_alloc)(unsigned long size);
	void (*mem_free)(void *ptr);
	unsigned long long (*time_ns)(void);
	unsigned long long (*wall_ns)(void);
	void *(*timer_alloc)(lkl_cfn fn, void *arg);
	int (*timer_set_oneshot)(void *timer, unsigned long long delta_ns);
	void (*timer_free)(void *timer);
};

struct lkl_boot_params {
	unsigned long mem_size;
	const char *cmdline;
};

extern const struct lkl_host_ops *lkl_ops;

#endif
