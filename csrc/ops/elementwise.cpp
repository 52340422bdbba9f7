#include "ops/elementwise.h"

#include "core/error.h"
#include "core/iter.h"
#include "core/parallel.h"
#include "cuda/kernels.h"
#include "ops/copy.h"

namespace ember::ops {

namespace {

constexpr DType kUndefined = static_cast<DType>(-1);

DType promote_skip_undefined(DType a, DType b) {
  if (a == kUndefined) return b;
  if (b == kUndefined) return a;
  return promote_types(a, b);
}

DType combine_categories(DType higher, DType lower) {
  if (higher != kUndefined && is_floating(higher)) return higher;
  if (higher == DType::Bool || (lower != kUndefined && is_floating(lower)))
    return promote_skip_undefined(higher, lower);
  return higher != kUndefined ? higher : lower;
}

// A 0-d CPU tensor (a Python number among them) may join tensors on any device, as in PyTorch.
bool is_cpu_scalar(const Tensor& t) { return t.device().is_cpu() && t.dim() == 0; }

void check_same_device(const Tensor& a, const Tensor& b, const char* op) {
  if (!is_cpu_scalar(a) && !is_cpu_scalar(b)) check_device_match(a, b, op);
}

// Where an op over a and b runs: on the device of the operand that is not a CPU scalar.
Device op_device(const Tensor& a, const Tensor& b) { return is_cpu_scalar(a) ? b.device() : a.device(); }

// True when any element of the bool tensor m is set, on whichever device m lives.
bool any_set(const Tensor& m) {
  if (m.device().is_cuda()) return cuda::any_true(m);
  Tensor c = contiguous(m);
  const bool* p = c.data<bool>();
  for (int64_t i = 0, n = c.numel(); i < n; ++i)
    if (p[i]) return true;
  return false;
}

// Runs `fn` over out and inputs; same-shape contiguous operands skip the iterator entirely.
void run_loop(cpu::LoopFn fn, const Tensor& out, std::vector<const Tensor*> inputs, const double* params) {
  bool flat = out.is_contiguous();
  for (auto* t : inputs) flat = flat && t->is_contiguous() && t->sizes() == out.sizes();
  if (flat) {
    int64_t n = out.numel();
    int64_t strides[StridedIter::kMaxOperands];
    strides[0] = out.itemsize();
    for (size_t i = 0; i < inputs.size(); ++i) strides[i + 1] = inputs[i]->itemsize();
    parallel_for(n, kGrainElementwise, [&](int64_t b, int64_t e) {
      char* ptrs[StridedIter::kMaxOperands];
      ptrs[0] = out.raw() + b * strides[0];
      for (size_t i = 0; i < inputs.size(); ++i) ptrs[i + 1] = inputs[i]->raw() + b * strides[i + 1];
      fn(ptrs, strides, e - b, params);
    });
    return;
  }
  std::vector<const Tensor*> ops{&out};
  ops.insert(ops.end(), inputs.begin(), inputs.end());
  StridedIter(ops, out.sizes()).run(fn, params);
}

bool unary_keeps_integers(UnaryOp op) {
  switch (op) {
    case UnaryOp::Neg: case UnaryOp::Abs: case UnaryOp::Sign: case UnaryOp::Relu: case UnaryOp::Clamp:
    case UnaryOp::PowScalar: case UnaryOp::BitwiseNot: case UnaryOp::Floor: case UnaryOp::Ceil:
    case UnaryOp::Round: case UnaryOp::Trunc:
      return true;
    default:
      return false;
  }
}

// Floor, ceil, round and trunc leave integers unchanged.
bool is_identity_on_integers(UnaryOp op) {
  return op == UnaryOp::Floor || op == UnaryOp::Ceil || op == UnaryOp::Round || op == UnaryOp::Trunc;
}

DType unary_compute_dtype(UnaryOp op, const Tensor& x, const double* params) {
  DType dt = x.dtype();
  if (is_floating(dt) || cpu::unary_returns_bool(op)) return dt;
  if (op == UnaryOp::BitwiseNot) return dt;
  if (dt == DType::Bool) {
    if (op == UnaryOp::Neg)
      throw Error("Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.");
    if (unary_keeps_integers(op) && op != UnaryOp::PowScalar && op != UnaryOp::Clamp) return DType::Bool;
  }
  if (op == UnaryOp::PowScalar && params && params[0] != static_cast<double>(static_cast<int64_t>(params[0])))
    return DType::Float32;
  if (unary_keeps_integers(op)) return dt == DType::Bool ? DType::Int64 : dt;
  return DType::Float32;  // exp, log, sin, ... of an integer tensor give float32, as in PyTorch
}

}  // namespace

const char* unary_name(UnaryOp op) {
  static const char* names[] = {"neg", "abs", "sign", "exp", "log", "log1p", "expm1", "log2", "log10", "sqrt",
                                "rsqrt", "sin", "cos", "tan", "tanh", "sigmoid", "relu", "floor", "ceil", "round",
                                "trunc", "reciprocal", "erf", "asin", "acos", "atan", "sinh", "cosh", "gelu",
                                "gelu", "silu", "softplus", "elu", "leaky_relu", "clamp", "pow", "logical_not",
                                "bitwise_not", "isnan", "isinf", "isfinite"};
  return names[static_cast<int>(op)];
}

const char* binary_name(BinaryOp op) {
  static const char* names[] = {"add", "sub", "mul", "div", "floor_divide", "remainder", "pow", "maximum",
                                "minimum", "atan2", "eq", "ne", "lt", "le", "gt", "ge", "logical_and",
                                "logical_or", "logical_xor", "bitwise_and", "bitwise_or", "bitwise_xor",
                                "threshold_backward", "sigmoid_backward", "tanh_backward"};
  return names[static_cast<int>(op)];
}

DType result_type(const std::vector<const Tensor*>& operands) {
  DType dim_result = kUndefined, zero_result = kUndefined, wrapped_result = kUndefined;
  for (const Tensor* t : operands) {
    DType dt = t->dtype();
    if (t->is_wrapped_number()) {
      if (is_floating(dt)) dt = DType::Float32;  // Python floats take the default dtype
      wrapped_result = promote_skip_undefined(wrapped_result, dt);
    } else if (t->dim() == 0) {
      zero_result = promote_skip_undefined(zero_result, dt);
    } else {
      dim_result = promote_skip_undefined(dim_result, dt);
    }
  }
  return combine_categories(dim_result, combine_categories(zero_result, wrapped_result));
}

Tensor scalar_tensor(double value, DType dtype, bool wrapped_number) {
  Tensor t = empty({}, dtype);
  fill_(t, value);
  t.set_wrapped_number(wrapped_number);
  return t;
}

Tensor wrap_scalar(double value, DType category_type) {
  DType storage = is_floating(category_type) ? DType::Float64 : category_type;
  return scalar_tensor(value, storage, true);
}

void check_writable(const Tensor& out, const char* op) {
  for (int64_t d = 0; d < out.dim(); ++d)
    if (out.stride(d) == 0 && out.size(d) > 1)
      throw Error(str(op, ": unsupported operation: more than one element of the written-to tensor refers to a "
                          "single memory location. Please clone() the tensor before performing the operation."));
}

Tensor empty_for(const Shape& shape, DType dtype, Device device) { return empty(shape, dtype, device); }

Tensor unary(UnaryOp op, const Tensor& x, const double* params, int nparams) {
  const char* name = unary_name(op);
  DType dt = unary_compute_dtype(op, x, params);
  if (!is_floating(dt) && is_identity_on_integers(op)) return clone(x);
  Tensor in = to_dtype(x, dt);
  DType out_dt = cpu::unary_returns_bool(op) ? DType::Bool : dt;
  auto fn = cpu::kernels().unary[static_cast<int>(op)][static_cast<int>(dt)];
  if (!fn) throw Error(str(name, ": not implemented for '", dtype_name(dt), "'"));
  Tensor out = empty(x.sizes(), out_dt, x.device());
  if (x.device().is_cuda()) cuda::unary(op, out, in, params, nparams);
  else run_loop(fn, out, {&in}, params);
  return out;
}

Tensor& unary_(UnaryOp op, Tensor& x, const double* params, int nparams) {
  const char* name = unary_name(op);
  check_writable(x, name);
  DType dt = unary_compute_dtype(op, x, params);
  DType out_dt = cpu::unary_returns_bool(op) ? DType::Bool : dt;
  if (out_dt != x.dtype())
    throw Error(str("result type ", scalar_type_name(out_dt), " can't be cast to the desired output type ",
                    scalar_type_name(x.dtype())));
  if (is_identity_on_integers(op) && !is_floating(dt)) return x;
  auto fn = cpu::kernels().unary[static_cast<int>(op)][static_cast<int>(dt)];
  if (!fn) throw Error(str(name, "_: not implemented for '", dtype_name(dt), "'"));
  if (x.device().is_cuda()) cuda::unary(op, x, x, params, nparams);
  else run_loop(fn, x, {&x}, params);
  x.bump_version();
  return x;
}

namespace {

DType binary_compute_dtype(BinaryOp op, const Tensor& a, const Tensor& b) {
  DType common = result_type({&a, &b});
  const char* name = binary_name(op);
  switch (op) {
    case BinaryOp::Div: case BinaryOp::Atan2:
      return is_floating(common) ? common : DType::Float32;  // int / int is true division
    case BinaryOp::Sub:
      if (common == DType::Bool)
        throw Error("Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` operator instead.");
      if (a.dtype() == DType::Bool || b.dtype() == DType::Bool)
        throw Error("Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.");
      return common;
    case BinaryOp::BitAnd: case BinaryOp::BitOr: case BinaryOp::BitXor:
      if (is_floating(common))
        throw Error(str("\"", name, "_cpu\" not implemented for '", scalar_type_name(common), "'"));
      return common;
    case BinaryOp::FloorDiv: case BinaryOp::Remainder: case BinaryOp::Pow:
      return common == DType::Bool ? DType::Int64 : common;
    default:
      return common;
  }
}

void check_integer_divisor(BinaryOp op, const Tensor& b, const Shape& out_shape) {
  if (op != BinaryOp::FloorDiv && op != BinaryOp::Remainder) return;
  if (shape_numel(out_shape) == 0) return;  // nothing is divided
  // Integer division by zero would trap the process: refuse it as PyTorch does.
  if (any_set(binary(BinaryOp::Eq, b, scalar_tensor(0, b.dtype(), true)))) throw Error("ZeroDivisionError");
}

// Only a Python-number exponent is refused; a tensor exponent follows int_pow's rule, as in PyTorch.
void check_integer_pow(BinaryOp op, const Tensor& b, bool python_number) {
  if (op != BinaryOp::Pow || is_floating(b.dtype()) || !python_number) return;
  if (any_set(binary(BinaryOp::Lt, b, scalar_tensor(0, b.dtype(), true))))
    throw Error("Integers to negative integer powers are not allowed.");
}

}  // namespace

Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b) {
  const char* name = binary_name(op);
  check_same_device(a, b, name);
  DType dt = binary_compute_dtype(op, a, b);
  Shape shape = a.sizes() == b.sizes() ? a.sizes() : broadcast_shapes(a.sizes(), b.sizes(), name);
  Tensor ca = to_dtype(a, dt), cb = to_dtype(b, dt);
  if (!is_floating(dt)) { check_integer_divisor(op, cb, shape); check_integer_pow(op, cb, b.is_wrapped_number()); }
  auto fn = cpu::kernels().binary[static_cast<int>(op)][static_cast<int>(dt)];
  if (!fn) throw Error(str("\"", name, "\" not implemented for '", dtype_name(dt), "'"));
  Device dev = op_device(a, b);
  Tensor out = empty(shape, cpu::binary_returns_bool(op) ? DType::Bool : dt, dev);
  if (dev.is_cuda()) cuda::binary(op, out, ca, cb);
  else run_loop(fn, out, {&ca, &cb}, nullptr);
  return out;
}

Tensor& binary_(BinaryOp op, Tensor& self, const Tensor& other) {
  const char* name = binary_name(op);
  check_same_device(self, other, name);
  if (self.device().is_cpu()) check_device_match(self, other, name);  // a CPU self takes no CUDA operand
  check_writable(self, name);
  DType dt = binary_compute_dtype(op, self, other);
  DType out_dt = cpu::binary_returns_bool(op) ? DType::Bool : dt;
  if (!can_cast(out_dt, self.dtype()))
    throw Error(str("result type ", scalar_type_name(out_dt), " can't be cast to the desired output type ",
                    scalar_type_name(self.dtype())));
  Shape shape = broadcast_shapes(self.sizes(), other.sizes(), name);
  if (shape != self.sizes())
    throw Error(str("output with shape ", shape_str(self.sizes()), " doesn't match the broadcast shape ",
                    shape_str(shape)));
  Tensor ca = to_dtype(self, dt), cb = to_dtype(other, dt);
  if (!is_floating(dt)) { check_integer_divisor(op, cb, shape); check_integer_pow(op, cb, other.is_wrapped_number()); }
  auto fn = cpu::kernels().binary[static_cast<int>(op)][static_cast<int>(dt)];
  if (!fn) throw Error(str("\"", name, "_\" not implemented for '", dtype_name(dt), "'"));
  auto run = [&](const Tensor& out) {
    if (out.device().is_cuda()) cuda::binary(op, out, ca, cb);
    else run_loop(fn, out, {&ca, &cb}, nullptr);
  };
  if (out_dt == self.dtype() && ca.storage() == self.storage()) {
    run(self);
  } else {
    Tensor tmp = empty(shape, out_dt, self.device());
    run(tmp);
    copy_(self, tmp);
  }
  self.bump_version();
  return self;
}

namespace {
template <class T>
void where_loop(char** d, const int64_t* s, int64_t n, const double*) {
  char *o = d[0], *c = d[1], *a = d[2], *b = d[3];
  for (int64_t i = 0; i < n; ++i, o += s[0], c += s[1], a += s[2], b += s[3])
    *reinterpret_cast<T*>(o) = *reinterpret_cast<bool*>(c) ? *reinterpret_cast<T*>(a) : *reinterpret_cast<T*>(b);
}
}  // namespace

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  check_same_device(a, b, "where");
  check_same_device(cond, a, "where");
  check_same_device(cond, b, "where");
  if (cond.dtype() != DType::Bool && cond.dtype() != DType::UInt8)
    throw Error(str("where expected condition to be a boolean tensor, but got a tensor with dtype ",
                    dtype_name(cond.dtype())));
  DType dt = result_type({&a, &b});
  Shape shape = broadcast_shapes(broadcast_shapes(cond.sizes(), a.sizes(), "where"), b.sizes(), "where");
  Tensor c = to_dtype(cond, DType::Bool), ca = to_dtype(a, dt), cb = to_dtype(b, dt);
  Device dev = !is_cpu_scalar(a) ? a.device() : !is_cpu_scalar(b) ? b.device() : cond.device();
  Tensor out = empty(shape, dt, dev);
  if (dev.is_cuda()) {
    if (c.device().is_cpu() && !is_cpu_scalar(c)) c = to_device(c, dev);  // a 0-d CPU condition is read by value
    cuda::where(out, c, ca, cb);
    return out;
  }
  cpu::LoopFn fn = EMBER_DISPATCH_ALL(dt, "where", [&] { return static_cast<cpu::LoopFn>(&where_loop<scalar_t>); });
  StridedIter({&out, &c, &ca, &cb}, shape).run(fn);
  return out;
}

}  // namespace ember::ops
