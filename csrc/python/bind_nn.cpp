// Neural-network kernels: convolution, pooling, losses and fused optimizer steps. Pairs
// (stride, padding, ...) are lists of one or two ints; defaults are torch.nn.functional's.
#include "ops/conv.h"
#include "ops/loss.h"
#include "ops/optim.h"
#include "ops/pool.h"
#include "python/bindings.h"

namespace ember::python {

namespace {
using nogil = py::call_guard<py::gil_scoped_release>;
using One = std::vector<int64_t>;  // a default pair given as one value, as PyTorch's defaults are
}  // namespace

void init_nn(py::module_& m) {
  // ---- convolution ----------------------------------------------------------------------
  m.def("conv2d", &ops::conv2d, py::arg("input"), py::arg("weight"), py::arg("bias") = py::none(),
        py::arg("stride") = One{1}, py::arg("padding") = One{0}, py::arg("dilation") = One{1},
        py::arg("groups") = 1, nogil(),
        "conv2d(input [N,C,H,W] or [C,H,W], weight [O,C/groups,kH,kW], bias [O] or None, ...) -> output");
  m.def("conv2d_backward_input", &ops::conv2d_backward_input, py::arg("grad_output"), py::arg("weight"),
        py::arg("input_shape"), py::arg("stride") = One{1}, py::arg("padding") = One{0},
        py::arg("dilation") = One{1}, py::arg("groups") = 1, nogil(), "Gradient of conv2d with respect to its input, of shape input_shape.");
  m.def("conv2d_backward_weight", &ops::conv2d_backward_weight, py::arg("grad_output"), py::arg("input"),
        py::arg("weight_shape"), py::arg("stride") = One{1}, py::arg("padding") = One{0},
        py::arg("dilation") = One{1}, py::arg("groups") = 1, py::arg("bias_grad") = true, nogil(),
        "(grad_weight, grad_bias or None): gradients of conv2d with respect to weight and, when bias_grad, bias.");

  // ---- pooling --------------------------------------------------------------------------
  m.def("max_pool2d", &ops::max_pool2d, py::arg("input"), py::arg("kernel_size"), py::arg("stride") = One{},
        py::arg("padding") = One{0}, py::arg("dilation") = One{1}, py::arg("ceil_mode") = false, nogil(),
        "(output, indices): indices (int64) are flat positions ih*W+iw in each input plane; empty stride = kernel.");
  m.def("max_pool2d_backward", &ops::max_pool2d_backward, py::arg("grad_output"), py::arg("indices"),
        py::arg("input_shape"), nogil(), "Gradient of max_pool2d: grad_output added at the saved indices.");
  m.def("avg_pool2d", &ops::avg_pool2d, py::arg("input"), py::arg("kernel_size"), py::arg("stride") = One{},
        py::arg("padding") = One{0}, py::arg("ceil_mode") = false, py::arg("count_include_pad") = true,
        py::arg("divisor_override") = py::none(), nogil(),
        "avg_pool2d(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override or None)");
  m.def("avg_pool2d_backward", &ops::avg_pool2d_backward, py::arg("grad_output"), py::arg("input_shape"),
        py::arg("kernel_size"), py::arg("stride") = One{}, py::arg("padding") = One{0},
        py::arg("ceil_mode") = false, py::arg("count_include_pad") = true, py::arg("divisor_override") = py::none(),
        nogil(), "Gradient of avg_pool2d.");
  m.def("adaptive_avg_pool2d", &ops::adaptive_avg_pool2d, py::arg("input"), py::arg("output_size"), nogil(),
        "adaptive_avg_pool2d(input, output_size [oh, ow]) -> output");
  m.def("adaptive_avg_pool2d_backward", &ops::adaptive_avg_pool2d_backward, py::arg("grad_output"),
        py::arg("input_shape"), nogil(), "Gradient of adaptive_avg_pool2d.");

  // ---- losses (reduction: 0 none, 1 mean, 2 sum) ----------------------------------------
  m.def("cross_entropy", &ops::cross_entropy, py::arg("input"), py::arg("target"), py::arg("weight") = py::none(),
        py::arg("ignore_index") = -100, py::arg("label_smoothing") = 0.0, py::arg("reduction") = 1, nogil(),
        "(loss, log_softmax): fused log_softmax + NLL with class-index targets; keep log_softmax for backward.");
  m.def("cross_entropy_backward", &ops::cross_entropy_backward, py::arg("grad_output"), py::arg("log_softmax"),
        py::arg("target"), py::arg("weight") = py::none(), py::arg("ignore_index") = -100,
        py::arg("label_smoothing") = 0.0, py::arg("reduction") = 1, nogil(), "Gradient of cross_entropy with respect to its input logits.");
  m.def("nll_loss", &ops::nll_loss, py::arg("input"), py::arg("target"), py::arg("weight") = py::none(),
        py::arg("ignore_index") = -100, py::arg("reduction") = 1, nogil(), "Negative log-likelihood of class-index targets under log-probabilities.");
  m.def("nll_loss_backward", &ops::nll_loss_backward, py::arg("grad_output"), py::arg("input"), py::arg("target"),
        py::arg("weight") = py::none(), py::arg("ignore_index") = -100, py::arg("reduction") = 1, nogil(),
        "Gradient of nll_loss with respect to its input.");

  // ---- fused optimizer steps (in place, versions bumped) --------------------------------
  m.def("sgd_step", &ops::sgd_step, py::arg("params"), py::arg("grads"), py::arg("momentum_buffers"), py::arg("lr"),
        py::arg("momentum"), py::arg("dampening"), py::arg("weight_decay"), py::arg("nesterov"), py::arg("maximize"),
        py::arg("first_step"), nogil(),
        "One SGD step over all params; first_step sets the momentum buffers to the gradient.");
  m.def("adam_step", &ops::adam_step, py::arg("params"), py::arg("grads"), py::arg("exp_avgs"),
        py::arg("exp_avg_sqs"), py::arg("max_exp_avg_sqs"), py::arg("step"), py::arg("lr"), py::arg("beta1"),
        py::arg("beta2"), py::arg("eps"), py::arg("weight_decay"), py::arg("amsgrad"), py::arg("maximize"),
        py::arg("decoupled_weight_decay"), nogil(),
        "One Adam (AdamW when decoupled_weight_decay) step over all params; step includes this one.");
  m.def("rmsprop_step", &ops::rmsprop_step, py::arg("params"), py::arg("grads"), py::arg("square_avgs"),
        py::arg("momentum_buffers"), py::arg("grad_avgs"), py::arg("lr"), py::arg("alpha"), py::arg("eps"),
        py::arg("weight_decay"), py::arg("momentum"), py::arg("centered"), py::arg("maximize"), nogil(),
        "One RMSprop step over all params; momentum_buffers used when momentum > 0, grad_avgs when centered.");
  m.def("adagrad_step", &ops::adagrad_step, py::arg("params"), py::arg("grads"), py::arg("state_sums"),
        py::arg("step"), py::arg("lr"), py::arg("lr_decay"), py::arg("weight_decay"), py::arg("eps"),
        py::arg("maximize"), nogil(), "One Adagrad step over params that share the step count (this one included).");
  m.def("adadelta_step", &ops::adadelta_step, py::arg("params"), py::arg("grads"), py::arg("square_avgs"),
        py::arg("acc_deltas"), py::arg("lr"), py::arg("rho"), py::arg("eps"), py::arg("weight_decay"),
        py::arg("maximize"), nogil(), "One Adadelta step over all params.");
}

}  // namespace ember::python
