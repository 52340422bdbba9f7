// Included first by every file in csrc/cpu/isa/: names this build's fill functions after the
// ISA it is compiled for (EMBER_ISA is generic, avx2 or avx512).
#pragma once
#define EMBER_ISA_CAT2_(a, b) a##_##b
#define EMBER_ISA_CAT_(a, b) EMBER_ISA_CAT2_(a, b)
#define EMBER_ISA_FN(name) EMBER_ISA_CAT_(name, EMBER_ISA)

#if defined(__GNUC__)
#define EMBER_RESTRICT __restrict__
#else
#define EMBER_RESTRICT
#endif
