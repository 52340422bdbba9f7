// The packed GEMM of the running ISA, picked by element type, for kernels written as templates.
#pragma once
#include <type_traits>

#include "cpu/kernels.h"

namespace ember::cpu {

template <class T>
inline void gemm(int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t rsa, int64_t csa, const T* B,
                 int64_t rsb, int64_t csb, T beta, T* C, int64_t ldc) {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>, "gemm: float or double");
  if constexpr (std::is_same_v<T, float>)
    kernels().sgemm(M, N, K, alpha, A, rsa, csa, B, rsb, csb, beta, C, ldc);
  else
    kernels().dgemm(M, N, K, alpha, A, rsa, csa, B, rsb, csb, beta, C, ldc);
}

}  // namespace ember::cpu
