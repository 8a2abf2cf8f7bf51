/* The few libc functions libinjection calls, for a freestanding WebAssembly build (see ../libc.c). */
#ifndef SLUICE_STRING_H
#define SLUICE_STRING_H
#include <stddef.h>
void *memchr(const void *s, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *s, int c, size_t n);
char *strchr(const char *s, int c);
int strcmp(const char *a, const char *b);
char *strcpy(char *dst, const char *src);
size_t strlen(const char *s);
#endif
