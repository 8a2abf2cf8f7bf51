#ifndef SLUICE_ASSERT_H
#define SLUICE_ASSERT_H
#define assert(condition) ((void)0)
#endif
