// Elementwise kernels: one functor per op, one loop template per arity. The contiguous and
// scalar-operand cases get their own plain loops so the compiler vectorises them for this ISA.
#include "cpu/isa/isa.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "core/element_ops.h"
#include "cpu/elementwise_table.h"
#include "cpu/kernels.h"

namespace ember::cpu {
namespace {

using namespace ::ember::elem;

template <class T, class Out, class F>
void unary_loop(char** d, const int64_t* s, int64_t n, const double* p) {
  if (s[0] == sizeof(Out) && s[1] == sizeof(T)) {
    Out* EMBER_RESTRICT o = reinterpret_cast<Out*>(d[0]);
    const T* EMBER_RESTRICT x = reinterpret_cast<const T*>(d[1]);
    for (int64_t i = 0; i < n; ++i) o[i] = static_cast<Out>(F::f(x[i], p));
  } else {
    char* o = d[0]; const char* x = d[1];
    for (int64_t i = 0; i < n; ++i, o += s[0], x += s[1])
      *reinterpret_cast<Out*>(o) = static_cast<Out>(F::f(*reinterpret_cast<const T*>(x), p));
  }
}


template <class T, class Out, class F>
void binary_loop(char** d, const int64_t* s, int64_t n, const double*) {
  constexpr int64_t so = sizeof(Out), st = sizeof(T);
  Out* o = reinterpret_cast<Out*>(d[0]);
  const T* a = reinterpret_cast<const T*>(d[1]);
  const T* b = reinterpret_cast<const T*>(d[2]);
  if (s[0] == so && s[1] == st && s[2] == st) {
    Out* EMBER_RESTRICT oo = o; const T* EMBER_RESTRICT aa = a; const T* EMBER_RESTRICT bb = b;
    for (int64_t i = 0; i < n; ++i) oo[i] = F::f(aa[i], bb[i]);
  } else if (s[0] == so && s[1] == st && s[2] == 0) {
    Out* EMBER_RESTRICT oo = o; const T* EMBER_RESTRICT aa = a; const T bv = *b;
    for (int64_t i = 0; i < n; ++i) oo[i] = F::f(aa[i], bv);
  } else if (s[0] == so && s[1] == 0 && s[2] == st) {
    Out* EMBER_RESTRICT oo = o; const T av = *a; const T* EMBER_RESTRICT bb = b;
    for (int64_t i = 0; i < n; ++i) oo[i] = F::f(av, bb[i]);
  } else {
    char* po = d[0]; const char* pa = d[1]; const char* pb = d[2];
    for (int64_t i = 0; i < n; ++i, po += s[0], pa += s[1], pb += s[2])
      *reinterpret_cast<Out*>(po) = F::f(*reinterpret_cast<const T*>(pa), *reinterpret_cast<const T*>(pb));
  }
}

// ---- registration: the list of ops and dtypes is shared with CUDA (cpu/elementwise_table.h)
struct Registrar {
  KernelTable& t;
  template <class F, bool ToBool, class... Ts>
  void unary(UnaryOp op) {
    ((t.unary[static_cast<int>(op)][static_cast<int>(dtype_of<Ts>::value)] =
          &unary_loop<Ts, std::conditional_t<ToBool, bool, Ts>, F>), ...);
  }
  template <class F, bool ToBool, class... Ts>
  void binary(BinaryOp op) {
    ((t.binary[static_cast<int>(op)][static_cast<int>(dtype_of<Ts>::value)] =
          &binary_loop<Ts, std::conditional_t<ToBool, bool, Ts>, F>), ...);
  }
};

}  // namespace

void EMBER_ISA_FN(fill_elementwise)(KernelTable& t) {
  Registrar r{t};
  register_elementwise(r);
}

}  // namespace ember::cpu
