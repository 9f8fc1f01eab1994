// glibc's allocator controls, which the Glibc module does not export (malloc_trim).
#pragma once
#if defined(__linux__)
#include <malloc.h>
#endif
