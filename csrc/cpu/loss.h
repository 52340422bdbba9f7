// Classification losses over scores laid out [N, C, inner] (inner: the product of any spatial
// dims, 1 for [N, C]) with int64 class targets [N, inner], as PyTorch defines them.
#pragma once
#include <cstdint>

namespace ember::cpu {

enum class Reduction : int { None = 0, Mean = 1, Sum = 2 };

struct LossShape {
  int64_t N, C, inner;
};

template <class T>
struct LossOptions {
  const T* weight;         // per-class weights [C], or null for all ones
  int64_t ignore_index;    // targets equal to it add nothing, to the loss or to the mean's divisor
  double label_smoothing;  // cross-entropy only: mixes in the uniform target with this weight
  Reduction reduction;     // Mean divides by the summed weights of the targets not ignored
};

// The position of the first target that is neither ignore_index nor in [0, C), or -1.
int64_t find_bad_target(const int64_t* target, int64_t n, int64_t C, int64_t ignore_index);

// Writes log_softmax(x) over C into lsm and the loss: N*inner values (None) or one.
template <class T>
void cross_entropy_forward(const LossShape& s, const LossOptions<T>& o, const T* x, const int64_t* target, T* lsm,
                           T* loss);
// grad_x from the loss gradient (N*inner values for None, else one) and the saved log_softmax.
template <class T>
void cross_entropy_backward(const LossShape& s, const LossOptions<T>& o, const T* grad, const T* lsm,
                            const int64_t* target, T* grad_x);

// The same on given log-probabilities (label_smoothing unused).
template <class T>
void nll_loss_forward(const LossShape& s, const LossOptions<T>& o, const T* logp, const int64_t* target, T* loss);
template <class T>
void nll_loss_backward(const LossShape& s, const LossOptions<T>& o, const T* grad, const int64_t* target, T* grad_x);

}  // namespace ember::cpu
