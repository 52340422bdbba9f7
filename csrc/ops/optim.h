// Fused optimizer steps: all parameters in one call, updated in place (their versions bumped),
// with PyTorch's single-tensor formulas. Lists are matched by position.
#pragma once
#include <vector>

#include "core/tensor.h"

namespace ember::ops {

// momentum_buffers: one per param, or empty when momentum == 0. first_step: the buffers are
// new and get the (decayed) gradient itself, as PyTorch's first step clones it.
void sgd_step(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
              const std::vector<Tensor>& momentum_buffers, double lr, double momentum, double dampening,
              double weight_decay, bool nesterov, bool maximize, bool first_step);

// step: the step count including this one (PyTorch increments it first). max_exp_avg_sqs is
// empty unless amsgrad. decoupled_weight_decay gives AdamW.
void adam_step(const std::vector<Tensor>& params, const std::vector<Tensor>& grads, const std::vector<Tensor>& exp_avgs,
               const std::vector<Tensor>& exp_avg_sqs, const std::vector<Tensor>& max_exp_avg_sqs, double step,
               double lr, double beta1, double beta2, double eps, double weight_decay, bool amsgrad, bool maximize,
               bool decoupled_weight_decay);

// momentum_buffers is empty unless momentum > 0, grad_avgs unless centered.
void rmsprop_step(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
                  const std::vector<Tensor>& square_avgs, const std::vector<Tensor>& momentum_buffers,
                  const std::vector<Tensor>& grad_avgs, double lr, double alpha, double eps, double weight_decay,
                  double momentum, bool centered, bool maximize);

// step: the step count including this one, shared by the params of the call.
void adagrad_step(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
                  const std::vector<Tensor>& state_sums, double step, double lr, double lr_decay, double weight_decay,
                  double eps, bool maximize);

void adadelta_step(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
                   const std::vector<Tensor>& square_avgs, const std::vector<Tensor>& acc_deltas, double lr, double rho,
                   double eps, double weight_decay, bool maximize);

}  // namespace ember::ops
