// Counts heap allocations of the process it is preloaded into (LD_PRELOAD), for the benchmark's
// "allocations per command": malloc, calloc, realloc, posix_memalign, aligned_alloc and memalign
// each add one to a counter that lives in the file MALLOC_COUNTER_FILE names (mapped shared, so
// the benchmark reads it from outside while the process runs). Without that variable it only
// forwards to glibc.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "malloc_counter.h"

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *pointer, size_t size);
extern void *__libc_memalign(size_t alignment, size_t size);
extern void __libc_free(void *pointer);

static _Atomic unsigned long *counters;

__attribute__((constructor)) static void malloc_counter_start(void) {
    const char *path = getenv("MALLOC_COUNTER_FILE");
    if (path == NULL) return;
    int fd = open(path, O_RDWR | O_CREAT, 0600);
    if (fd < 0) return;
    if (ftruncate(fd, 4096) != 0) {
        close(fd);
        return;
    }
    void *mapped = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (mapped != MAP_FAILED) counters = (_Atomic unsigned long *)mapped;
}

static inline void counted(int which) {
    _Atomic unsigned long *c = counters;
    if (c != NULL) atomic_fetch_add_explicit(&c[which], 1, memory_order_relaxed);
}

void *malloc(size_t size) {
    counted(0);
    return __libc_malloc(size);
}

void *calloc(size_t count, size_t size) {
    counted(0);
    return __libc_calloc(count, size);
}

void *realloc(void *pointer, size_t size) {
    counted(0);
    return __libc_realloc(pointer, size);
}

void *memalign(size_t alignment, size_t size) {
    counted(0);
    return __libc_memalign(alignment, size);
}

void *aligned_alloc(size_t alignment, size_t size) {
    counted(0);
    return __libc_memalign(alignment, size);
}

int posix_memalign(void **out, size_t alignment, size_t size) {
    counted(0);
    void *pointer = __libc_memalign(alignment, size);
    if (pointer == NULL) return 12;  // ENOMEM
    *out = pointer;
    return 0;
}

void free(void *pointer) {
    if (pointer != NULL) counted(1);
    __libc_free(pointer);
}

unsigned long malloc_counter_version(void) { return 1; }
