#ifndef SLUICE_STDLIB_H
#define SLUICE_STDLIB_H
#include <stddef.h>
#endif
