// Fused optimizer steps: every parameter of a model updated in one parallel pass over all of
// their elements, with PyTorch's single-tensor (foreach=False) formulas.
#pragma once
#include <cstdint>
#include <vector>

#include "core/dtype.h"

namespace ember::cpu {

// One parameter, its gradient and up to three state tensors: all contiguous, of one dtype
// (float32 or float64) and numel. Unused state pointers are null.
struct OptimSlot {
  DType dtype;
  int64_t numel;
  void* param;
  const void* grad;
  void* state[3];
};

// state[0] = momentum buffer (when momentum != 0); first_step sets it to the gradient.
struct SgdOptions {
  double lr, momentum, dampening, weight_decay;
  bool nesterov, maximize, first_step;
};
void sgd_step(const std::vector<OptimSlot>& slots, const SgdOptions& o);

// state = {exp_avg, exp_avg_sq, max_exp_avg_sq (amsgrad)}; step counts from 1.
struct AdamOptions {
  double step;  // PyTorch keeps it as a float tensor
  double lr, beta1, beta2, eps, weight_decay;
  bool amsgrad, maximize, decoupled_weight_decay;
};
void adam_step(const std::vector<OptimSlot>& slots, const AdamOptions& o);

// state = {square_avg, momentum_buffer (momentum > 0), grad_avg (centered)}.
struct RmspropOptions {
  double lr, alpha, eps, weight_decay, momentum;
  bool centered, maximize;
};
void rmsprop_step(const std::vector<OptimSlot>& slots, const RmspropOptions& o);

// state = {sum}; step counts from 1 and scales lr by 1 / (1 + (step - 1) * lr_decay).
struct AdagradOptions {
  double step, lr, lr_decay, weight_decay, eps;
  bool maximize;
};
void adagrad_step(const std::vector<OptimSlot>& slots, const AdagradOptions& o);

// state = {square_avg, acc_delta}.
struct AdadeltaOptions {
  double lr, rho, eps, weight_decay;
  bool maximize;
};
void adadelta_step(const std::vector<OptimSlot>& slots, const AdadeltaOptions& o);

}  // namespace ember::cpu
