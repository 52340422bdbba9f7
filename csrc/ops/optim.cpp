#include "ops/optim.h"

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

// A tensor the step writes (list[i]): contiguous, like its param.
void check_state(const Tensor& t, const Tensor& param, size_t i, const char* list, const char* op) {
  std::string what = str(list, "[", i, "]");
  check_same_dtype(t, what.c_str(), param, "its param", op);
  EMBER_CHECK(t.sizes() == param.sizes(), op, ": ", what, " has shape ", shape_str(t.sizes()),
              " but its param has shape ", shape_str(param.sizes()));
  EMBER_CHECK(t.is_contiguous(), op, ": ", what, " must be contiguous, since the step updates it in place");
  if (t.numel() > 0) check_writable(t, op);  // an empty array may have zero strides
}

// A list of state tensors (one per param) and its name in messages.
struct StateList {
  const std::vector<Tensor>* list;
  const char* name;
};

// The slots of the kernel call; keeps the contiguous copies of non-contiguous grads alive.
struct Slots {
  std::vector<cpu::OptimSlot> slots;
  std::vector<Tensor> grads;
};

Slots make_slots(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
                 const std::vector<StateList>& states, const char* op) {
  check_count(grads, params.size(), "grads", op);
  for (const StateList& st : states) check_count(*st.list, params.size(), st.name, op);
  Slots s;
  for (size_t i = 0; i < params.size(); ++i) {
    const Tensor& p = params[i];
    check_nn_float(p, "params", op, true);
    check_state(p, p, i, "params", op);
    check_same_dtype(grads[i], "grads", p, "params", op);
    EMBER_CHECK(grads[i].sizes() == p.sizes(), op, ": grads[", i, "] has shape ", shape_str(grads[i].sizes()),
                " but its param has shape ", shape_str(p.sizes()));
    s.grads.push_back(contiguous(grads[i]));
    cpu::OptimSlot slot{p.dtype(), p.numel(), p.raw(), s.grads.back().raw(), {nullptr, nullptr, nullptr}};
    for (size_t k = 0; k < states.size(); ++k) {
      const Tensor& t = (*states[k].list)[i];
      check_state(t, p, i, states[k].name, op);
      slot.state[k] = t.raw();
    }
    s.slots.push_back(slot);
  }
  return s;
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

void bump(const std::vector<Tensor>& list) {
  for (const Tensor& t : list) t.bump_version();
}

}  // namespace

void sgd_step(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
              const std::vector<Tensor>& momentum_buffers, double lr, double momentum, double dampening,
              double weight_decay, bool nesterov, bool maximize, bool first_step) {
  const char* op = "sgd_step";
  if (nesterov && (momentum <= 0 || dampening != 0))
    throw ValueError("Nesterov momentum requires a momentum and zero dampening");
  std::vector<StateList> states;
  if (momentum != 0) states.push_back({&momentum_buffers, "momentum_buffers"});
  Slots s = make_slots(params, grads, states, op);
  const cpu::SgdOptions o{lr, momentum, dampening, weight_decay, nesterov, maximize, first_step};
  run_step(params, s, o, &cpu::sgd_step, &cuda::sgd_step);
  bump(params);
  if (momentum != 0) bump(momentum_buffers);
}

void adam_step(const std::vector<Tensor>& params, const std::vector<Tensor>& grads, const std::vector<Tensor>& exp_avgs,
               const std::vector<Tensor>& exp_avg_sqs, const std::vector<Tensor>& max_exp_avg_sqs, double step,
               double lr, double beta1, double beta2, double eps, double weight_decay, bool amsgrad, bool maximize,
               bool decoupled_weight_decay) {
  const char* op = "adam_step";
  EMBER_CHECK(step >= 1, op, ": step counts the steps taken including this one, so it must be >= 1, but got ", step);
  std::vector<StateList> states{{&exp_avgs, "exp_avgs"}, {&exp_avg_sqs, "exp_avg_sqs"}};
  if (amsgrad) states.push_back({&max_exp_avg_sqs, "max_exp_avg_sqs"});
  Slots s = make_slots(params, grads, states, op);
  const cpu::AdamOptions o{step, lr, beta1, beta2, eps, weight_decay, amsgrad, maximize, decoupled_weight_decay};
  run_step(params, s, o, &cpu::adam_step, &cuda::adam_step);
  bump(params);
  for (const StateList& st : states) bump(*st.list);
}

}  // namespace ember::ops
