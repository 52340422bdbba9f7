#include "ops/loss.h"

#include "core/error.h"
#include "cpu/loss.h"
#include "ops/copy.h"
#include "ops/nn_args.h"

namespace ember::ops {

namespace {

struct LossArgs {
  cpu::LossShape s;
  cpu::Reduction reduction;
  Shape loss_shape;
  Tensor target;                // contiguous int64
  std::optional<Tensor> weight;  // contiguous, input's dtype
};

// Checks input, target and weight as PyTorch's cross_entropy / nll_loss do.
LossArgs loss_args(const char* op, const Tensor& input, const Tensor& target, const std::optional<Tensor>& weight,
                   int64_t ignore_index, int64_t reduction) {
  check_nn_float(input, "input", op, true);
  check_device_match(input, target, op, "target");
  if (input.dim() < 1) throw ValueError(str("Expected 1 or more dimensions (got ", input.dim(), ")"));
  if (reduction < 0 || reduction > 2)
    throw ValueError(str(op, ": reduction must be 0 (none), 1 (mean) or 2 (sum), but got ", reduction));
  EMBER_CHECK(target.dtype() == DType::Int64 || target.dtype() == DType::UInt8,
              "expected target dtype to be Long or Byte, but got ", scalar_type_name(target.dtype()));
  const Shape& in = input.sizes();
  const Shape& tg = target.sizes();
  LossArgs a;
  if (input.dim() == 1) {  // one unbatched sample; PyTorch also takes a 1-element target
    EMBER_CHECK(target.dim() <= 1, "0D or 1D target tensor expected, multi-target not supported");
    if (target.dim() == 1 && tg[0] != 1)
      throw ValueError(str("For 1D input, 1D target must have size 1, but got target size: ", tg[0]));
    a.s = {1, in[0], 1};
    a.loss_shape = {};
  } else {
    int64_t tb = target.dim() == 0 ? 0 : tg[0];
    if (tb != in[0])
      throw ValueError(str("Expected input batch_size (", in[0], ") to match target batch_size (", tb, ")."));
    if (input.dim() == 2) {
      EMBER_CHECK(target.dim() == 1, "0D or 1D target tensor expected, multi-target not supported");
    } else {
      Shape expected(in.begin() + 2, in.end());
      expected.insert(expected.begin(), in[0]);
      EMBER_CHECK(tg == expected, "Expected target size ", shape_str(expected), ", got ", shape_str(tg));
    }
    a.s = {in[0], in[1], shape_numel(Shape(in.begin() + 2, in.end()))};
    a.loss_shape = tg;
  }
  a.reduction = static_cast<cpu::Reduction>(reduction);
  if (a.reduction != cpu::Reduction::None) a.loss_shape = {};
  if (weight) {
    EMBER_CHECK(weight->dim() == 1 && weight->numel() == a.s.C, "weight tensor should be defined either for all ",
                a.s.C, " classes or no classes but got weight tensor of shape: ", shape_str(weight->sizes()));
    check_device_match(input, *weight, op, "weight");
    EMBER_CHECK(weight->dtype() == input.dtype(), "expected scalar type ", scalar_type_name(input.dtype()),
                " but found ", scalar_type_name(weight->dtype()));
    a.weight = contiguous(*weight);
  }
  a.target = contiguous(to_dtype(target, DType::Int64));
  // Checked on the host (a CUDA target is copied back: N values, one synchronisation).
  Tensor host = a.target.device().is_cpu() ? a.target : to_device(a.target, cpu_device());
  int64_t bad = cpu::find_bad_target(host.data<int64_t>(), host.numel(), a.s.C, ignore_index);
  if (bad >= 0) throw IndexError(str("Target ", host.data<int64_t>()[bad], " is out of bounds."));
  return a;
}

void check_label_smoothing(double ls) {
  EMBER_CHECK(ls >= 0.0 && ls <= 1.0, "label_smoothing must be between 0.0 and 1.0. Got: ", ls);
}

// grad_loss has the loss's shape (one value when reduced).
void check_grad_loss(const Tensor& grad, const Tensor& ref, const LossArgs& a, const char* op) {
  check_same_dtype(grad, "grad_output", ref, "input", op);
  bool ok = a.reduction == cpu::Reduction::None ? grad.sizes() == a.loss_shape : grad.numel() == 1;
  EMBER_CHECK(ok, op, ": expected grad_output of size ", shape_str(a.loss_shape), ", but got ",
              shape_str(grad.sizes()));
}

template <class T>
cpu::LossOptions<T> options(const LossArgs& a, int64_t ignore_index, double label_smoothing) {
  return {a.weight ? a.weight->data<T>() : nullptr, ignore_index, label_smoothing, a.reduction};
}

}  // namespace

std::pair<Tensor, Tensor> cross_entropy(const Tensor& input, const Tensor& target, const std::optional<Tensor>& weight,
                                        int64_t ignore_index, double label_smoothing, int64_t reduction) {
  const char* op = "cross_entropy";
  LossArgs a = loss_args(op, input, target, weight, ignore_index, reduction);
  check_label_smoothing(label_smoothing);
  Tensor x = contiguous(input);
  Tensor lsm = empty(input.sizes(), input.dtype(), input.device());
  Tensor loss = empty(a.loss_shape, input.dtype(), input.device());
  EMBER_DISPATCH_FLOAT(input.dtype(), op, [&] {
    using T = scalar_t;
    EMBER_NN_CALL(x.device(), cross_entropy_forward<T>, a.s, options<T>(a, ignore_index, label_smoothing),
                  x.data<T>(), a.target.data<int64_t>(), lsm.data<T>(), loss.data<T>());
  });
  return {loss, lsm};
}

Tensor cross_entropy_backward(const Tensor& grad_loss, const Tensor& log_softmax, const Tensor& target,
                              const std::optional<Tensor>& weight, int64_t ignore_index, double label_smoothing,
                              int64_t reduction) {
  const char* op = "cross_entropy_backward";
  LossArgs a = loss_args(op, log_softmax, target, weight, ignore_index, reduction);
  check_label_smoothing(label_smoothing);
  check_grad_loss(grad_loss, log_softmax, a, op);
  Tensor g = contiguous(grad_loss), lsm = contiguous(log_softmax);
  Tensor gx = empty(log_softmax.sizes(), log_softmax.dtype(), log_softmax.device());
  EMBER_DISPATCH_FLOAT(log_softmax.dtype(), op, [&] {
    using T = scalar_t;
    EMBER_NN_CALL(lsm.device(), cross_entropy_backward<T>, a.s, options<T>(a, ignore_index, label_smoothing),
                  g.data<T>(), lsm.data<T>(), a.target.data<int64_t>(), gx.data<T>());
  });
  return gx;
}

Tensor nll_loss(const Tensor& input, const Tensor& target, const std::optional<Tensor>& weight, int64_t ignore_index,
                int64_t reduction) {
  const char* op = "nll_loss";
  LossArgs a = loss_args(op, input, target, weight, ignore_index, reduction);
  Tensor x = contiguous(input);
  Tensor loss = empty(a.loss_shape, input.dtype(), input.device());
  EMBER_DISPATCH_FLOAT(input.dtype(), op, [&] {
    using T = scalar_t;
    EMBER_NN_CALL(x.device(), nll_loss_forward<T>, a.s, options<T>(a, ignore_index, 0.0), x.data<T>(),
                  a.target.data<int64_t>(), loss.data<T>());
  });
  return loss;
}

Tensor nll_loss_backward(const Tensor& grad_loss, const Tensor& input, const Tensor& target,
                         const std::optional<Tensor>& weight, int64_t ignore_index, int64_t reduction) {
  const char* op = "nll_loss_backward";
  LossArgs a = loss_args(op, input, target, weight, ignore_index, reduction);
  check_grad_loss(grad_loss, input, a, op);
  Tensor g = contiguous(grad_loss);
  Tensor gx = empty(input.sizes(), input.dtype(), input.device());
  EMBER_DISPATCH_FLOAT(input.dtype(), op, [&] {
    using T = scalar_t;
    EMBER_NN_CALL(g.device(), nll_loss_backward<T>, a.s, options<T>(a, ignore_index, 0.0), g.data<T>(),
                  a.target.data<int64_t>(), gx.data<T>());
  });
  return gx;
}

}  // namespace ember::ops
