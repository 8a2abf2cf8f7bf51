#ifndef SLUICE_CTYPE_H
#define SLUICE_CTYPE_H
#endif
