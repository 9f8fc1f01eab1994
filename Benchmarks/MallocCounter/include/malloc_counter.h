#ifndef MALLOC_COUNTER_H
#define MALLOC_COUNTER_H

/// The counter library's version: lets the benchmark check it loaded the right one.
unsigned long malloc_counter_version(void);

#endif
