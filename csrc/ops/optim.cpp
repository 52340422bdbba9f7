#include "ops/optim.h"

#include <utility>

#include "core/error.h"
#include "cpu/optim.h"
#include "ops/copy.h"
#include "ops/elementwise.h"
#include "ops/nn_args.h"

namespace ember::ops {

namespace {

void check_count(const std::vector<Tensor>& list, size_t n, const char* what, const char* op) {
  if (list.size() != n)
    throw ValueError(str(op, ": expected as many ", what, " as params (", n, "), but got ", list.size()));
}

// A tensor the step writes (list[i]): its param's dtype, device and shape.
void check_state(const Tensor& t, const Tensor& param, size_t i, const char* list, const char* op) {
  std::string what = str(list, "[", i, "]");
  check_same_dtype(t, what.c_str(), param, "its param", op);
  EMBER_CHECK(t.sizes() == param.sizes(), op, ": ", what, " has shape ", shape_str(t.sizes()),
              " but its param has shape ", shape_str(param.sizes()));
  if (t.numel() > 0) check_writable(t, op);  // an empty array may have zero strides
}

// A list of state tensors (one per param) and its name in messages; a null list is a state the
// options do not use, whose kernel pointer stays null.
struct StateList {
  const std::vector<Tensor>* list;
  const char* name;
};

// The slots of the kernel call, and the contiguous copies it works on in place of
// non-contiguous tensors: grads (read) and params and state (written back by finish).
struct Slots {
  std::vector<cpu::OptimSlot> slots;
  std::vector<Tensor> grads;
  std::vector<std::pair<Tensor, Tensor>> write_back;  // (original, its contiguous copy)

  void* writable(const Tensor& t) {
    if (t.is_contiguous()) return t.raw();
    write_back.emplace_back(t, contiguous(t));
    return write_back.back().second.raw();
  }
};

Slots make_slots(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
                 const std::vector<StateList>& states, const char* op) {
  check_count(grads, params.size(), "grads", op);
  for (const StateList& st : states)
    if (st.list) check_count(*st.list, params.size(), st.name, op);
  Slots s;
  for (size_t i = 0; i < params.size(); ++i) {
    const Tensor& p = params[i];
    check_nn_float(p, "params", op, true);
    check_state(p, p, i, "params", op);
    check_same_dtype(grads[i], "grads", p, "params", op);
    EMBER_CHECK(grads[i].sizes() == p.sizes(), op, ": grads[", i, "] has shape ", shape_str(grads[i].sizes()),
                " but its param has shape ", shape_str(p.sizes()));
    s.grads.push_back(contiguous(grads[i]));
    cpu::OptimSlot slot{p.dtype(), p.numel(), s.writable(p), s.grads.back().raw(), {nullptr, nullptr, nullptr}};
    for (size_t k = 0; k < states.size(); ++k) {
      if (!states[k].list) continue;
      const Tensor& t = (*states[k].list)[i];
      check_state(t, p, i, states[k].name, op);
      slot.state[k] = s.writable(t);
    }
    s.slots.push_back(slot);
  }
  return s;
}

// After the kernel: copies back into non-contiguous tensors, then bumps every written version.
void finish(const Slots& s, const std::vector<Tensor>& params, const std::vector<StateList>& states) {
  for (const auto& [original, copy] : s.write_back) copy_(original, copy);
  for (const Tensor& t : params) t.bump_version();
  for (const StateList& st : states)
    if (st.list)
      for (const Tensor& t : *st.list) t.bump_version();
}

// Runs a step on each backend over the params that live there (a param group may mix devices).
template <class Options>
void run_step(const std::vector<Tensor>& params, const Slots& s, const Options& o,
              void (*cpu_step)(const std::vector<cpu::OptimSlot>&, const Options&),
              void (*cuda_step)(const std::vector<cpu::OptimSlot>&, const Options&)) {
  std::vector<cpu::OptimSlot> on_cpu;
  for (size_t i = 0; i < params.size(); ++i) {
    if (params[i].device().is_cuda()) {
      cuda::DeviceScope scope(params[i].device());
      cuda_step({s.slots[i]}, o);
    } else {
      on_cpu.push_back(s.slots[i]);
    }
  }
  if (!on_cpu.empty()) cpu_step(on_cpu, o);
}

// The steps that have no CUDA kernel yet refuse CUDA params before touching anything.
void require_cpu(const std::vector<Tensor>& params, const char* op) {
  for (const Tensor& p : params)
    if (p.device().is_cuda())
      throw NotImplementedError(str(op, ": no CUDA kernel yet; the params are on ", p.device().str(),
                                    " (keep the model on the CPU, or use SGD or Adam)"));
}

}  // namespace

void sgd_step(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
              const std::vector<Tensor>& momentum_buffers, double lr, double momentum, double dampening,
              double weight_decay, bool nesterov, bool maximize, bool first_step) {
  const char* op = "sgd_step";
  if (nesterov && (momentum <= 0 || dampening != 0))
    throw ValueError("Nesterov momentum requires a momentum and zero dampening");
  std::vector<StateList> states{{momentum != 0 ? &momentum_buffers : nullptr, "momentum_buffers"}};
  Slots s = make_slots(params, grads, states, op);
  const cpu::SgdOptions o{lr, momentum, dampening, weight_decay, nesterov, maximize, first_step};
  run_step(params, s, o, &cpu::sgd_step, &cuda::sgd_step);
  finish(s, params, states);
}

void adam_step(const std::vector<Tensor>& params, const std::vector<Tensor>& grads, const std::vector<Tensor>& exp_avgs,
               const std::vector<Tensor>& exp_avg_sqs, const std::vector<Tensor>& max_exp_avg_sqs, double step,
               double lr, double beta1, double beta2, double eps, double weight_decay, bool amsgrad, bool maximize,
               bool decoupled_weight_decay) {
  const char* op = "adam_step";
  EMBER_CHECK(step >= 1, op, ": step counts the steps taken including this one, so it must be >= 1, but got ", step);
  std::vector<StateList> states{{&exp_avgs, "exp_avgs"}, {&exp_avg_sqs, "exp_avg_sqs"},
                                {amsgrad ? &max_exp_avg_sqs : nullptr, "max_exp_avg_sqs"}};
  Slots s = make_slots(params, grads, states, op);
  const cpu::AdamOptions o{step, lr, beta1, beta2, eps, weight_decay, amsgrad, maximize, decoupled_weight_decay};
  run_step(params, s, o, &cpu::adam_step, &cuda::adam_step);
  finish(s, params, states);
}

void rmsprop_step(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
                  const std::vector<Tensor>& square_avgs, const std::vector<Tensor>& momentum_buffers,
                  const std::vector<Tensor>& grad_avgs, double lr, double alpha, double eps, double weight_decay,
                  double momentum, bool centered, bool maximize) {
  std::vector<StateList> states{{&square_avgs, "square_avgs"},
                                {momentum > 0 ? &momentum_buffers : nullptr, "momentum_buffers"},
                                {centered ? &grad_avgs : nullptr, "grad_avgs"}};
  require_cpu(params, "rmsprop_step");
  Slots s = make_slots(params, grads, states, "rmsprop_step");
  cpu::rmsprop_step(s.slots, {lr, alpha, eps, weight_decay, momentum, centered, maximize});
  finish(s, params, states);
}

void adagrad_step(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
                  const std::vector<Tensor>& state_sums, double step, double lr, double lr_decay, double weight_decay,
                  double eps, bool maximize) {
  const char* op = "adagrad_step";
  require_cpu(params, op);
  EMBER_CHECK(step >= 1, op, ": step counts the steps taken including this one, so it must be >= 1, but got ", step);
  std::vector<StateList> states{{&state_sums, "state_sums"}};
  Slots s = make_slots(params, grads, states, op);
  cpu::adagrad_step(s.slots, {step, lr, lr_decay, weight_decay, eps, maximize});
  finish(s, params, states);
}

void adadelta_step(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
                   const std::vector<Tensor>& square_avgs, const std::vector<Tensor>& acc_deltas, double lr, double rho,
                   double eps, double weight_decay, bool maximize) {
  std::vector<StateList> states{{&square_avgs, "square_avgs"}, {&acc_deltas, "acc_deltas"}};
  require_cpu(params, "adadelta_step");
  Slots s = make_slots(params, grads, states, "adadelta_step");
  cpu::adadelta_step(s.slots, {lr, rho, eps, weight_decay, maximize});
  finish(s, params, states);
}

}  // namespace ember::ops
