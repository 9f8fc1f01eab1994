// Headers only; this file exists because a C target needs one source.
#include "CMalloc.h"
