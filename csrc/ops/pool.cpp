#include "ops/pool.h"

#include <algorithm>

#include "core/error.h"
#include "cpu/pool.h"
#include "ops/copy.h"

namespace ember::ops {

namespace {

struct PoolArgs {
  cpu::Pool2dShape s;
  Shape output_shape;
};

void check_pool_rank(const Shape& in) {
  EMBER_CHECK(in.size() == 3 || in.size() == 4, "non-empty 3D or 4D (batch mode) tensor expected for input, but got ",
              shape_str(in));
}

// The leading (batch and channel) dims of `in` with (oh, ow) appended, and the plane count.
Shape pooled_shape(const Shape& in, int64_t oh, int64_t ow, int64_t& planes) {
  Shape out(in.begin(), in.end() - 2);
  planes = shape_numel(out);
  out.push_back(oh);
  out.push_back(ow);
  return out;
}

// PyTorch's pooling_output_shape: floor (or ceil) division, and in ceil mode the last window
// must start inside the input or its left padding.
int64_t pooled_size(int64_t in, int64_t k, int64_t pad, int64_t stride, int64_t dil, bool ceil_mode) {
  int64_t num = in + 2 * pad - dil * (k - 1) - 1 + (ceil_mode ? stride - 1 : 0);
  int64_t q = num / stride;
  if ((num % stride != 0) && ((num < 0) != (stride < 0))) --q;  // round toward -inf
  int64_t out = q + 1;
  if (ceil_mode && (out - 1) * stride >= in + pad) --out;
  return out;
}

// Checks in PyTorch's order (pooling_output_shape, then pool2d_shape_check).
PoolArgs pool_args(const char* op, const Shape& in, const IntList& kernel_size, const IntList& stride_arg,
                   const IntList& padding, const IntList& dilation, bool ceil_mode) {
  check_pool_rank(in);
  Pair k = int_pair(kernel_size, "kernel_size", op);
  Pair st = stride_arg.empty() ? k : int_pair(stride_arg, "stride", op);
  Pair pd = int_pair(padding, "padding", op), dl = int_pair(dilation, "dilation", op);
  for (int a = 0; a < 2; ++a) {
    EMBER_CHECK(st[a] != 0, op, ": stride should not be zero");
    EMBER_CHECK(pd[a] >= 0, op, ": pad must be non-negative, but got pad: ", pd[a]);
    EMBER_CHECK(pd[a] <= ((k[a] - 1) * dl[a] + 1) / 2, op, ": pad should be at most half of effective kernel size, "
                "but got pad=", pd[a], ", kernel_size=", k[a], " and dilation=", dl[a]);
  }
  EMBER_CHECK(k[0] > 0 && k[1] > 0, op, ": kernel size should be greater than zero, but got kH: ", k[0], " kW: ", k[1]);
  EMBER_CHECK(st[0] > 0 && st[1] > 0, op, ": stride should be greater than zero, but got dH: ", st[0], " dW: ", st[1]);
  EMBER_CHECK(dl[0] > 0 && dl[1] > 0, op, ": dilation should be greater than zero, but got dilationH: ", dl[0],
              " dilationW: ", dl[1]);
  const size_t r = in.size();
  EMBER_CHECK(in[r - 1] != 0 && in[r - 2] != 0 && in[r - 3] != 0, "Expected 3D or 4D (batch mode) tensor with "
              "optional 0 dim batch size for input, but got:", shape_str(in));
  EMBER_CHECK(k[1] / 2 >= pd[1] && k[0] / 2 >= pd[0], op, ": pad should be smaller than or equal to half of kernel "
              "size, but got padW = ", pd[1], ", padH = ", pd[0], ", kW = ", k[1], ", kH = ", k[0]);
  int64_t oh = pooled_size(in[r - 2], k[0], pd[0], st[0], dl[0], ceil_mode);
  int64_t ow = pooled_size(in[r - 1], k[1], pd[1], st[1], dl[1], ceil_mode);
  EMBER_CHECK(oh >= 1 && ow >= 1, "Given input size: (", in[r - 3], "x", in[r - 2], "x", in[r - 1],
              "). Calculated output size: (", in[r - 3], "x", oh, "x", ow, "). Output size is too small");
  PoolArgs a;
  a.output_shape = pooled_shape(in, oh, ow, a.s.planes);
  a.s.H = in[r - 2], a.s.W = in[r - 1], a.s.OH = oh, a.s.OW = ow;
  a.s.kH = k[0], a.s.kW = k[1], a.s.sH = st[0], a.s.sW = st[1];
  a.s.pH = pd[0], a.s.pW = pd[1], a.s.dH = dl[0], a.s.dW = dl[1];
  return a;
}

void check_grad_shape(const Tensor& grad, const Shape& expected, const char* op) {
  if (grad.sizes() != expected)
    throw Error(str(op, ": expected grad_output of size ", shape_str(expected), ", but got ",
                    shape_str(grad.sizes())));
}

int64_t avg_divisor(std::optional<int64_t> divisor_override) {
  EMBER_CHECK(!divisor_override || *divisor_override != 0, "divisor must be not zero");
  return divisor_override ? *divisor_override : 0;
}

}  // namespace

std::pair<Tensor, Tensor> max_pool2d(const Tensor& input, const IntList& kernel_size, const IntList& stride,
                                     const IntList& padding, const IntList& dilation, bool ceil_mode) {
  const char* op = "max_pool2d";
  check_nn_float(input, "input", op, true);
  PoolArgs a = pool_args(op, input.sizes(), kernel_size, stride, padding, dilation, ceil_mode);
  Tensor y = empty(a.output_shape, input.dtype(), input.device());
  Tensor idx = empty(a.output_shape, DType::Int64, input.device());
  if (y.numel() == 0) return {y, idx};
  Tensor x = contiguous(input);
  EMBER_DISPATCH_FLOAT(input.dtype(), op, [&] {
    using T = scalar_t;
    EMBER_NN_CALL(x.device(), max_pool2d_forward<T>, a.s, x.data<T>(), y.data<T>(), idx.data<int64_t>());
  });
  return {y, idx};
}

Tensor max_pool2d_backward(const Tensor& grad_output, const Tensor& indices, const Shape& input_shape) {
  const char* op = "max_pool2d_backward";
  check_nn_float(grad_output, "grad_output", op, true);
  check_device_match(grad_output, indices, op, "indices");
  check_shape_arg(input_shape, "input_shape", op);
  check_pool_rank(input_shape);
  EMBER_CHECK(indices.dtype() == DType::Int64, op, ": expected indices of dtype int64, but got ",
              dtype_name(indices.dtype()));
  EMBER_CHECK(indices.sizes() == grad_output.sizes(), op, ": expected indices of the same size as grad_output ",
              shape_str(grad_output.sizes()), ", but got ", shape_str(indices.sizes()));
  const Shape& g = grad_output.sizes();
  EMBER_CHECK(g.size() == input_shape.size() && std::equal(g.begin(), g.end() - 2, input_shape.begin()), op,
              ": grad_output of size ", shape_str(g), " does not match input_shape ", shape_str(input_shape));
  cpu::Pool2dShape s{};
  const size_t r = input_shape.size();
  pooled_shape(input_shape, 0, 0, s.planes);
  s.H = input_shape[r - 2], s.W = input_shape[r - 1], s.OH = g[r - 2], s.OW = g[r - 1];
  Tensor gx = empty(input_shape, grad_output.dtype(), grad_output.device());
  if (gx.numel() == 0) return gx;
  Tensor gy = contiguous(grad_output), idx = contiguous(indices);
  if (idx.device().is_cuda()) {
    cuda::DeviceScope scope(idx.device());
    if (cuda::any_index_out_of_range(idx.data<int64_t>(), idx.numel(), s.H * s.W))
      throw IndexError(str(op, ": an index is out of bounds for an input plane of ", s.H, "x", s.W));
  } else {
    int64_t bad = cpu::find_index_out_of_range(idx.data<int64_t>(), idx.numel(), s.H * s.W);
    if (bad >= 0)
      throw IndexError(str(op, ": index ", idx.data<int64_t>()[bad], " is out of bounds for an input plane of ",
                           s.H, "x", s.W));
  }
  EMBER_DISPATCH_FLOAT(gy.dtype(), op, [&] {
    using T = scalar_t;
    EMBER_NN_CALL(gy.device(), max_pool2d_backward<T>, s, gy.data<T>(), idx.data<int64_t>(), gx.data<T>());
  });
  return gx;
}

Tensor avg_pool2d(const Tensor& input, const IntList& kernel_size, const IntList& stride, const IntList& padding,
                  bool ceil_mode, bool count_include_pad, std::optional<int64_t> divisor_override) {
  const char* op = "avg_pool2d";
  check_nn_float(input, "input", op, true);
  int64_t divisor = avg_divisor(divisor_override);
  PoolArgs a = pool_args(op, input.sizes(), kernel_size, stride, padding, {1}, ceil_mode);
  Tensor y = empty(a.output_shape, input.dtype(), input.device());
  if (y.numel() == 0) return y;
  Tensor x = contiguous(input);
  EMBER_DISPATCH_FLOAT(input.dtype(), op, [&] {
    using T = scalar_t;
    EMBER_NN_CALL(x.device(), avg_pool2d_forward<T>, a.s, count_include_pad, divisor, x.data<T>(), y.data<T>());
  });
  return y;
}

Tensor avg_pool2d_backward(const Tensor& grad_output, const Shape& input_shape, const IntList& kernel_size,
                           const IntList& stride, const IntList& padding, bool ceil_mode, bool count_include_pad,
                           std::optional<int64_t> divisor_override) {
  const char* op = "avg_pool2d_backward";
  check_nn_float(grad_output, "grad_output", op, true);
  check_shape_arg(input_shape, "input_shape", op);
  int64_t divisor = avg_divisor(divisor_override);
  PoolArgs a = pool_args(op, input_shape, kernel_size, stride, padding, {1}, ceil_mode);
  check_grad_shape(grad_output, a.output_shape, op);
  Tensor gx = empty(input_shape, grad_output.dtype(), grad_output.device());
  if (gx.numel() == 0) return gx;
  Tensor gy = contiguous(grad_output);
  EMBER_DISPATCH_FLOAT(gy.dtype(), op, [&] {
    using T = scalar_t;
    EMBER_NN_CALL(gy.device(), avg_pool2d_backward<T>, a.s, count_include_pad, divisor, gy.data<T>(), gx.data<T>());
  });
  return gx;
}

Tensor adaptive_avg_pool2d(const Tensor& input, const IntList& output_size) {
  const char* op = "adaptive_avg_pool2d";
  check_nn_float(input, "input", op, true);
  EMBER_CHECK(output_size.size() == 2, op, ": output_size must be 2");
  EMBER_CHECK(output_size[0] >= 0 && output_size[1] >= 0, op, ": elements of output_size must be greater than or "
              "equal to 0 but received {", output_size[0], ", ", output_size[1], "}");
  const Shape& in = input.sizes();
  EMBER_CHECK(in.size() == 3 || in.size() == 4, op, "(): Expected 3D or 4D tensor, but got ", shape_str(in));
  for (size_t d = in.size() - 3; d < in.size(); ++d)
    EMBER_CHECK(in[d] != 0, op, "(): Expected input to have non-zero size for non-batch dimensions, but input has "
                "sizes ", shape_str(in), " with dimension ", d, " being empty");
  cpu::Pool2dShape s{};
  Shape out_shape = pooled_shape(in, output_size[0], output_size[1], s.planes);
  s.H = in[in.size() - 2], s.W = in[in.size() - 1], s.OH = output_size[0], s.OW = output_size[1];
  Tensor y = empty(out_shape, input.dtype(), input.device());
  if (y.numel() == 0) return y;
  Tensor x = contiguous(input);
  EMBER_DISPATCH_FLOAT(input.dtype(), op, [&] {
    using T = scalar_t;
    EMBER_NN_CALL(x.device(), adaptive_avg_pool2d_forward<T>, s, x.data<T>(), y.data<T>());
  });
  return y;
}

Tensor adaptive_avg_pool2d_backward(const Tensor& grad_output, const Shape& input_shape) {
  const char* op = "adaptive_avg_pool2d_backward";
  check_nn_float(grad_output, "grad_output", op, true);
  check_shape_arg(input_shape, "input_shape", op);
  check_pool_rank(input_shape);
  const Shape& g = grad_output.sizes();
  EMBER_CHECK(g.size() == input_shape.size() && std::equal(g.begin(), g.end() - 2, input_shape.begin()), op,
              ": grad_output of size ", shape_str(g), " does not match input_shape ", shape_str(input_shape));
  const size_t r = input_shape.size();
  cpu::Pool2dShape s{};
  pooled_shape(input_shape, 0, 0, s.planes);
  s.H = input_shape[r - 2], s.W = input_shape[r - 1], s.OH = g[r - 2], s.OW = g[r - 1];
  Tensor gx = empty(input_shape, grad_output.dtype(), grad_output.device());
  if (gx.numel() == 0) return gx;
  if (grad_output.numel() == 0) {  // an empty output took nothing from the input
    fill_(gx, 0.0);
    return gx;
  }
  Tensor gy = contiguous(grad_output);
  EMBER_DISPATCH_FLOAT(gy.dtype(), op, [&] {
    using T = scalar_t;
    EMBER_NN_CALL(gy.device(), adaptive_avg_pool2d_backward<T>, s, gy.data<T>(), gx.data<T>());
  });
  return gx;
}

}  // namespace ember::ops
