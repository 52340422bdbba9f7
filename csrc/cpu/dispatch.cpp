#include <cstdlib>
#include <cstring>

#include "core/error.h"
#include "cpu/kernels.h"

namespace ember::cpu {

namespace {

KernelTable build(const char* isa) {
  KernelTable t;
  t.isa = isa;
  if (!std::strcmp(isa, "avx512")) {
    fill_elementwise_avx512(t); fill_gemm_avx512(t); fill_reduce_avx512(t); fill_conv_avx512(t);
    fill_pool_avx512(t);
  } else if (!std::strcmp(isa, "avx2")) {
    fill_elementwise_avx2(t); fill_gemm_avx2(t); fill_reduce_avx2(t); fill_conv_avx2(t);
    fill_pool_avx2(t);
  } else {
    fill_elementwise_generic(t); fill_gemm_generic(t); fill_reduce_generic(t); fill_conv_generic(t);
    fill_pool_generic(t);
  }
  return t;
}

const char* best_isa() {
  __builtin_cpu_init();
  bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
                __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
  bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  const char* forced = std::getenv("EMBER_CPU_ISA");
  if (forced && *forced) {
    if (!std::strcmp(forced, "generic")) return "generic";
    if (!std::strcmp(forced, "avx2") && avx2) return "avx2";
    if (!std::strcmp(forced, "avx512") && avx512) return "avx512";
    if (!std::strcmp(forced, "avx2") || !std::strcmp(forced, "avx512"))
      throw Error(str("EMBER_CPU_ISA=", forced, " but this CPU does not support it"));
    throw Error(str("EMBER_CPU_ISA must be generic, avx2 or avx512, not '", forced, "'"));
  }
  return avx512 ? "avx512" : avx2 ? "avx2" : "generic";
}

}  // namespace

const KernelTable& kernels() {
  static const KernelTable table = build(best_isa());
  return table;
}

}  // namespace ember::cpu
