#include "ops/linalg.h"

#include "core/error.h"
#include "core/parallel.h"
#include "cpu/kernels.h"
#include "cuda/kernels.h"
#include "ops/copy.h"
#include "ops/elementwise.h"
#include "ops/shape.h"

namespace ember::ops {

namespace {

void check_same_dtype(const Tensor& a, const Tensor& b, const char* op) {
  if (a.dtype() != b.dtype())
    throw Error(str(op, ": expected m1 and m2 to have the same dtype, but got: ", dtype_name(a.dtype()), " != ",
                    dtype_name(b.dtype())));
}

// C (M x N, row stride ldc) = alpha * A @ B + beta * C for one matrix of any strides, on `dev`.
void gemm_one(Device dev, DType dt, int64_t M, int64_t N, int64_t K, double alpha, const char* A, int64_t rsa, int64_t csa,
              const char* B, int64_t rsb, int64_t csb, double beta, char* C, int64_t ldc) {
  if (dev.is_cuda())
    return cuda::gemm(dev.index, dt, 1, M, N, K, alpha, A, 0, rsa, csa, B, 0, rsb, csb, beta, C, 0, ldc);
  const auto& k = cpu::kernels();
  switch (dt) {
    case DType::Float32:
      k.sgemm(M, N, K, static_cast<float>(alpha), reinterpret_cast<const float*>(A), rsa, csa,
              reinterpret_cast<const float*>(B), rsb, csb, static_cast<float>(beta), reinterpret_cast<float*>(C), ldc);
      return;
    case DType::Float64:
      k.dgemm(M, N, K, alpha, reinterpret_cast<const double*>(A), rsa, csa, reinterpret_cast<const double*>(B), rsb,
              csb, beta, reinterpret_cast<double*>(C), ldc);
      return;
    default:
      EMBER_DISPATCH_ALL(dt, "matmul", [&] {
        using T = scalar_t;
        const T* a = reinterpret_cast<const T*>(A);
        const T* b = reinterpret_cast<const T*>(B);
        T* c = reinterpret_cast<T*>(C);
        for (int64_t i = 0; i < M; ++i)
          for (int64_t j = 0; j < N; ++j) {
            T s = T(0);
            for (int64_t p = 0; p < K; ++p) s = static_cast<T>(s + a[i * rsa + p * csa] * b[p * rsb + j * csb]);
            c[i * ldc + j] = static_cast<T>(alpha * s + (beta != 0 ? beta * c[i * ldc + j] : 0));
          }
      });
  }
}

// Batched product of 3-d a (B, M, K) and b (B, K, N), any strides (stride 0 for broadcast).
Tensor bmm_strided(const Tensor& a, const Tensor& b) {
  int64_t B = a.size(0), M = a.size(1), K = a.size(2), N = b.size(2);
  Tensor out = empty({B, M, N}, a.dtype(), a.device());
  if (a.device().is_cuda()) {  // one launch for the whole batch
    cuda::gemm(a.device().index, a.dtype(), B, M, N, K, 1.0, a.raw(), a.stride(0), a.stride(1), a.stride(2), b.raw(),
               b.stride(0), b.stride(1), b.stride(2), 0.0, out.raw(), M * N, N);
    return out;
  }
  size_t isz = a.itemsize();
  auto one = [&](int64_t i) {
    gemm_one(a.device(), a.dtype(), M, N, K, 1.0, a.raw() + i * a.stride(0) * isz, a.stride(1), a.stride(2),
             b.raw() + i * b.stride(0) * isz, b.stride(1), b.stride(2), 0.0, out.raw() + i * M * N * isz, N);
  };
  if (B >= num_threads() && M * N * K < 256 * 256 * 256) {
    parallel_for(B, std::max<int64_t>(1, 65536 / std::max<int64_t>(M * N * K, 1)),
                 [&](int64_t s, int64_t e) { for (int64_t i = s; i < e; ++i) one(i); });
  } else {
    for (int64_t i = 0; i < B; ++i) one(i);
  }
  return out;
}

[[noreturn]] void shapes_error(const Tensor& a, const Tensor& b) {
  throw Error(str("mat1 and mat2 shapes cannot be multiplied (", a.size(0), "x", a.size(1), " and ", b.size(0), "x",
                  b.size(1), ")"));
}

}  // namespace

Tensor mm(const Tensor& a, const Tensor& b) {
  check_device_match(a, b, "mm");
  EMBER_CHECK(a.dim() == 2, "self must be a matrix");
  EMBER_CHECK(b.dim() == 2, "mat2 must be a matrix");
  check_same_dtype(a, b, "mm");
  if (a.size(1) != b.size(0)) shapes_error(a, b);
  Tensor out = empty({a.size(0), b.size(1)}, a.dtype(), a.device());
  gemm_one(a.device(), a.dtype(), a.size(0), b.size(1), a.size(1), 1.0, a.raw(), a.stride(0), a.stride(1), b.raw(), b.stride(0),
           b.stride(1), 0.0, out.raw(), b.size(1));
  return out;
}

Tensor addmm(const Tensor& c, const Tensor& a, const Tensor& b, double beta, double alpha) {
  check_device_match(a, b, "addmm");
  if (!(c.device().is_cpu() && c.dim() == 0)) check_device_match(c, a, "addmm");
  check_same_dtype(a, b, "addmm");
  EMBER_CHECK(a.dim() == 2 && b.dim() == 2, "addmm: expected 2-D matrices, got ", a.dim(), "-D and ", b.dim(), "-D");
  if (a.size(1) != b.size(0)) shapes_error(a, b);
  Tensor out = empty({a.size(0), b.size(1)}, a.dtype(), a.device());
  copy_(out, to_dtype(c, a.dtype()));
  gemm_one(a.device(), a.dtype(), a.size(0), b.size(1), a.size(1), alpha, a.raw(), a.stride(0), a.stride(1), b.raw(),
           b.stride(0), b.stride(1), beta, out.raw(), b.size(1));
  return out;
}

Tensor bmm(const Tensor& a, const Tensor& b) {
  check_device_match(a, b, "bmm");
  EMBER_CHECK(a.dim() == 3, "batch1 must be a 3D tensor");
  EMBER_CHECK(b.dim() == 3, "batch2 must be a 3D tensor");
  check_same_dtype(a, b, "bmm");
  EMBER_CHECK(a.size(0) == b.size(0), "batch1 and batch2 must have same number of batches, got ", a.size(0), " and ",
              b.size(0));
  EMBER_CHECK(a.size(2) == b.size(1), "Expected size for first two dimensions of batch2 tensor to be: [", a.size(0),
              ", ", a.size(2), "] but got: [", b.size(0), ", ", b.size(1), "].");
  return bmm_strided(a, b);
}

Tensor mv(const Tensor& a, const Tensor& v) {
  check_device_match(a, v, "mv");
  EMBER_CHECK(a.dim() == 2 && v.dim() == 1, "vector + matrix @ vector expected, got ", a.dim(), ", ", v.dim());
  check_same_dtype(a, v, "mv");
  EMBER_CHECK(a.size(1) == v.size(0), "size mismatch, got input (", a.size(0), "), mat (", a.size(0), "x", a.size(1),
              "), vec (", v.size(0), ")");
  return reshape(mm(a, unsqueeze(v, 1)), {a.size(0)});
}

Tensor dot(const Tensor& a, const Tensor& b) {
  check_device_match(a, b, "dot");
  EMBER_CHECK(a.dim() == 1 && b.dim() == 1, "1D tensors expected, but got ", a.dim(), "D and ", b.dim(), "D tensors");
  EMBER_CHECK(a.dtype() == b.dtype(), "dot : expected both vectors to have same dtype, but found ",
              scalar_type_name(a.dtype()), " and ", scalar_type_name(b.dtype()));
  EMBER_CHECK(a.size(0) == b.size(0), "inconsistent tensor size, expected tensor [", a.size(0),
              "] and src [", b.size(0), "] to have the same number of elements, but got ", a.size(0), " and ",
              b.size(0), " elements respectively");
  return reshape(mm(unsqueeze(a, 0), unsqueeze(b, 1)), {});
}

Tensor matmul(const Tensor& a, const Tensor& b) {
  check_device_match(a, b, "matmul");
  EMBER_CHECK(a.dim() > 0 && b.dim() > 0, "both arguments to matmul need to be at least 1D, but they are ", a.dim(),
              "D and ", b.dim(), "D");
  if (a.dim() == 1 && b.dim() == 1) return dot(a, b);
  if (a.dim() == 2 && b.dim() == 1) return mv(a, b);
  if (a.dim() == 1 && b.dim() == 2) {
    if (a.size(0) != b.size(0)) shapes_error(unsqueeze(a, 0), b);
    return reshape(mm(unsqueeze(a, 0), b), {b.size(1)});
  }
  if (a.dim() == 2 && b.dim() == 2) return mm(a, b);
  check_same_dtype(a, b, "matmul");
  Tensor a3 = a.dim() == 1 ? unsqueeze(a, 0) : a;
  Tensor b3 = b.dim() == 1 ? unsqueeze(b, 1) : b;
  int64_t M = a3.size(a3.dim() - 2), K = a3.size(a3.dim() - 1);
  int64_t K2 = b3.size(b3.dim() - 2), N = b3.size(b3.dim() - 1);
  if (K != K2)
    throw Error(str("Expected size for first two dimensions of batch2 tensor to be: [", "*", ", ", K, "] but got: [",
                    "*", ", ", K2, "]. (matmul shapes ", shape_str(a.sizes()), " and ", shape_str(b.sizes()), ")"));
  Shape batch_a(a3.sizes().begin(), a3.sizes().end() - 2), batch_b(b3.sizes().begin(), b3.sizes().end() - 2);
  Shape batch = broadcast_shapes(batch_a, batch_b, "matmul");
  int64_t nb = shape_numel(batch);
  Shape ea = batch, eb = batch;
  ea.insert(ea.end(), {M, K});
  eb.insert(eb.end(), {K, N});
  // Fold the batch dims into one; reshape copies only when the expanded layout forbids a view.
  Tensor A = reshape(expand(a3, ea), {nb, M, K});
  Tensor B = reshape(expand(b3, eb), {nb, K, N});
  Tensor out = bmm_strided(A, B);
  Shape out_shape = batch;
  if (a.dim() > 1) out_shape.push_back(M);
  if (b.dim() > 1) out_shape.push_back(N);
  return reshape(out, out_shape);
}

Tensor linear(const Tensor& x, const Tensor& w, const std::optional<Tensor>& bias) {
  check_device_match(x, w, "linear");
  EMBER_CHECK(w.dim() == 2 || w.dim() == 1, "linear: weight must be 1-D or 2-D, got ", w.dim(), "-D");
  EMBER_CHECK(x.dim() >= 1, "linear: input must have at least 1 dimension");
  if (w.dim() == 1) {
    Tensor out = matmul(x, w);
    return bias ? binary(BinaryOp::Add, out, *bias) : out;
  }
  check_same_dtype(x, w, "linear");
  int64_t in = x.size(x.dim() - 1), out_f = w.size(0);
  Tensor x2 = reshape(x, {-1, in});
  if (w.size(1) != in) shapes_error(x2, transpose(w, 0, 1));
  Shape out_shape(x.sizes().begin(), x.sizes().end() - 1);
  out_shape.push_back(out_f);
  Tensor out = empty({x2.size(0), out_f}, x.dtype(), x.device());
  double beta = 0.0;
  if (bias) {
    check_device_match(x, *bias, "linear");
    copy_(out, to_dtype(*bias, x.dtype()));
    beta = 1.0;
  }
  gemm_one(x.device(), x.dtype(), x2.size(0), out_f, in, 1.0, x2.raw(), x2.stride(0), x2.stride(1), w.raw(), w.stride(1),
           w.stride(0), beta, out.raw(), out_f);
  return reshape(out, out_shape);
}

}  // namespace ember::ops
