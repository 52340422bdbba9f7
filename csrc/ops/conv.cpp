#include "ops/conv.h"

#include "core/error.h"
#include "cpu/conv.h"
#include "ops/copy.h"
#include "ops/nn_args.h"

namespace ember::ops {

namespace {

struct ConvArgs {
  cpu::Conv2dShape s;
  bool batched;
  Shape output_shape;
};

// Checks a conv2d call's shapes and options as PyTorch does and works out the output size.
ConvArgs conv_args(const char* op, const Shape& in, const Shape& wt, const IntList& stride, const IntList& padding,
                   const IntList& dilation, int64_t groups) {
  if (in.size() != 3 && in.size() != 4)
    throw Error(str("Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: ",
                    shape_str(in)));
  if (wt.size() != 4)
    throw Error(str(op, ": expected weight to be 4-D [out_channels, in_channels/groups, kH, kW], but got weight "
                        "of size ", shape_str(wt)));
  Pair st = int_pair(stride, "stride", op), pd = int_pair(padding, "padding", op);
  Pair dl = int_pair(dilation, "dilation", op);
  EMBER_CHECK(st[0] > 0 && st[1] > 0, "non-positive stride is not supported");
  EMBER_CHECK(pd[0] >= 0 && pd[1] >= 0, "negative padding is not supported");
  EMBER_CHECK(dl[0] > 0 && dl[1] > 0, "dilation should be greater than zero, but got [", dl[0], ", ", dl[1], "]");
  EMBER_CHECK(groups > 0, "non-positive groups is not supported");
  EMBER_CHECK(wt[2] > 0 && wt[3] > 0, "kernel size should be greater than zero, but got kernel_height: ", wt[2],
              " kernel_width: ", wt[3]);
  bool batched = in.size() == 4;
  Shape x = batched ? in : Shape{1, in[0], in[1], in[2]};
  EMBER_CHECK(wt[0] % groups == 0, "Given groups=", groups, ", expected weight to be divisible by ", groups,
              " at dimension 0, but got weight of size ", shape_str(wt), " instead");
  EMBER_CHECK(x[1] == wt[1] * groups, "Given groups=", groups, ", weight of size ", shape_str(wt),
              ", expected input", shape_str(in), " to have ", wt[1] * groups, " channels, but got ", x[1],
              " channels instead");
  int64_t padded_h = x[2] + 2 * pd[0], padded_w = x[3] + 2 * pd[1];
  int64_t ext_h = dl[0] * (wt[2] - 1) + 1, ext_w = dl[1] * (wt[3] - 1) + 1;
  EMBER_CHECK(padded_h >= ext_h && padded_w >= ext_w, "Calculated padded input size per channel: (", padded_h,
              " x ", padded_w, "). Kernel size: (", ext_h, " x ", ext_w,
              "). Kernel size can't be greater than actual input size");
  ConvArgs a;
  a.s = cpu::Conv2dShape{x[0], x[1], x[2], x[3], wt[0], wt[2], wt[3],
                         (padded_h - ext_h) / st[0] + 1, (padded_w - ext_w) / st[1] + 1,
                         st[0], st[1], pd[0], pd[1], dl[0], dl[1], groups};
  a.batched = batched;
  a.output_shape = batched ? Shape{a.s.N, a.s.O, a.s.OH, a.s.OW} : Shape{a.s.O, a.s.OH, a.s.OW};
  return a;
}

void check_grad_output(const Tensor& gy, const ConvArgs& a, const char* op) {
  if (gy.sizes() != a.output_shape)
    throw Error(str(op, ": expected grad_output of size ", shape_str(a.output_shape), ", but got ",
                    shape_str(gy.sizes())));
}

}  // namespace

Tensor conv2d(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias, const IntList& stride,
              const IntList& padding, const IntList& dilation, int64_t groups) {
  const char* op = "conv2d";
  check_nn_float(input, "input", op, true);
  check_same_dtype(weight, "weight", input, "input", op);
  ConvArgs a = conv_args(op, input.sizes(), weight.sizes(), stride, padding, dilation, groups);
  if (bias) {
    check_same_dtype(*bias, "bias", input, "input", op);
    EMBER_CHECK(bias->dim() == 1 && bias->size(0) == a.s.O, "Given weight of size ", shape_str(weight.sizes()),
                ", expected bias to be 1-dimensional with ", a.s.O, " elements, but got bias of size ",
                shape_str(bias->sizes()), " instead");
  }
  Tensor y = empty(a.output_shape, input.dtype(), input.device());
  if (y.numel() == 0) return y;
  Tensor x = contiguous(input), w = contiguous(weight);
  std::optional<Tensor> b = bias ? std::optional<Tensor>(contiguous(*bias)) : std::nullopt;
  EMBER_DISPATCH_FLOAT(input.dtype(), op, [&] {
    using T = scalar_t;
    EMBER_NN_CALL(x.device(), conv2d_forward<T>, a.s, x.data<T>(), w.data<T>(), b ? b->data<T>() : nullptr, y.data<T>());
  });
  return y;
}

Tensor conv2d_backward_input(const Tensor& grad_output, const Tensor& weight, const Shape& input_shape,
                             const IntList& stride, const IntList& padding, const IntList& dilation, int64_t groups) {
  const char* op = "conv2d_backward_input";
  check_nn_float(weight, "weight", op, true);
  check_same_dtype(grad_output, "grad_output", weight, "weight", op);
  check_shape_arg(input_shape, "input_shape", op);
  ConvArgs a = conv_args(op, input_shape, weight.sizes(), stride, padding, dilation, groups);
  check_grad_output(grad_output, a, op);
  Tensor gx = empty(input_shape, weight.dtype(), weight.device());
  if (gx.numel() == 0) return gx;
  if (grad_output.numel() == 0) {  // no output channels: nothing flows back
    fill_(gx, 0.0);
    return gx;
  }
  Tensor gy = contiguous(grad_output), w = contiguous(weight);
  EMBER_DISPATCH_FLOAT(weight.dtype(), op, [&] {
    using T = scalar_t;
    EMBER_NN_CALL(w.device(), conv2d_backward_input<T>, a.s, gy.data<T>(), w.data<T>(), gx.data<T>());
  });
  return gx;
}

std::pair<Tensor, std::optional<Tensor>> conv2d_backward_weight(const Tensor& grad_output, const Tensor& input,
                                                                const Shape& weight_shape, const IntList& stride,
                                                                const IntList& padding, const IntList& dilation,
                                                                int64_t groups, bool bias_grad) {
  const char* op = "conv2d_backward_weight";
  check_nn_float(input, "input", op, true);
  check_same_dtype(grad_output, "grad_output", input, "input", op);
  check_shape_arg(weight_shape, "weight_shape", op);
  ConvArgs a = conv_args(op, input.sizes(), weight_shape, stride, padding, dilation, groups);
  check_grad_output(grad_output, a, op);
  Tensor gw = empty(weight_shape, input.dtype(), input.device());
  std::optional<Tensor> gb;
  if (bias_grad) gb = empty({a.s.O}, input.dtype(), input.device());
  Tensor gy = contiguous(grad_output), x = contiguous(input);
  EMBER_DISPATCH_FLOAT(input.dtype(), op, [&] {
    using T = scalar_t;
    EMBER_NN_CALL(x.device(), conv2d_backward_weight<T>, a.s, gy.data<T>(), x.data<T>(), gw.data<T>(),
                  gb ? gb->data<T>() : nullptr);
  });
  return {gw, gb};
}

}  // namespace ember::ops
