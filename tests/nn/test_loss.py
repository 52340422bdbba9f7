"""Losses against PyTorch: every reduction, weights, ignore_index, label smoothing, K-dim and
probability targets, gradients w.r.t. input (and target where PyTorch has one), node names, and
the errors raised for bad targets."""
import warnings

import numpy as np
import pytest

import ember
from ember import nn
from ember.nn import functional as F
from nn_parity import assert_close, assert_same_error, pair, randn, torch

TF = torch.nn.functional
REDUCTIONS = ["mean", "sum", "none"]
DTYPES = [ember.float32, ember.float64]


def run(name, arrays, dtype, grad_target=False, **kwargs):
    """F.<name> on the same data in both libraries; compares value, node name and gradients."""
    ins = [pair(a, dtype, requires_grad=(i == 0 or grad_target)) if isinstance(a, np.ndarray) and a.dtype.kind == "f"
           else pair(a, dtype) for i, a in enumerate(arrays)]
    e_kwargs = {k: (ember.tensor(v.astype(dtype.numpy)) if isinstance(v, np.ndarray) else v) for k, v in kwargs.items()}
    t_kwargs = {k: (torch.tensor(v.astype(dtype.numpy)) if isinstance(v, np.ndarray) else v) for k, v in kwargs.items()}
    e_out = getattr(F, name)(*[e for e, _ in ins], **e_kwargs)
    t_out = getattr(TF, name)(*[t for _, t in ins], **t_kwargs)
    assert_close(e_out, t_out, dtype, "loss")
    g = randn(*t_out.shape, seed=5).astype(dtype.numpy)
    e_out.backward(ember.tensor(g))
    t_out.backward(torch.tensor(g))
    for i, ((e, t), a) in enumerate(zip(ins, arrays)):
        if t.requires_grad:
            assert_close(e.grad, t.grad, dtype, f"grad of argument {i}")
    return e_out, t_out


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name,kwargs", [
    ("mse_loss", {}), ("l1_loss", {}), ("smooth_l1_loss", {}), ("smooth_l1_loss", {"beta": 0.4}),
    ("smooth_l1_loss", {"beta": 0.0}), ("huber_loss", {}), ("huber_loss", {"delta": 0.3}),
    ("soft_margin_loss", {}),
])
def test_regression_losses(name, kwargs, reduction, dtype):
    x, t = randn(3, 5, seed=1), randn(3, 5, seed=2)
    if name == "soft_margin_loss":
        t = np.sign(t)
    e_out, t_out = run(name, [x, t], dtype, grad_target=name != "soft_margin_loss", reduction=reduction, **kwargs)
    if name in ("mse_loss", "huber_loss") or (name == "smooth_l1_loss" and kwargs.get("beta") != 0):
        assert e_out.grad_fn.name() == t_out.grad_fn.name()


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss"])
def test_weighted_regression_losses(name, reduction):
    run(name, [randn(4, 3), randn(4, 3, seed=1)], ember.float64, grad_target=True, reduction=reduction,
        weight=np.abs(randn(4, 3, seed=2)))


def test_mse_broadcast_warning():
    with pytest.warns(UserWarning, match=r"Using a target size \(torch.Size\(\[3\]\)\) that is different to the input "
                                         r"size \(torch.Size\(\[4, 3\]\)\)"):
        run("mse_loss", [randn(4, 3), randn(3, seed=1)], ember.float64)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy(reduction, dtype):
    p = 1 / (1 + np.exp(-randn(4, 3)))
    t = np.random.default_rng(3).random((4, 3))
    e_out, t_out = run("binary_cross_entropy", [p, t], dtype, grad_target=True, reduction=reduction)
    assert e_out.grad_fn.name() == t_out.grad_fn.name() == "BinaryCrossEntropyBackward0"
    run("binary_cross_entropy", [p, t], dtype, reduction=reduction, weight=np.abs(randn(3, seed=4)))
    # p of exactly 0 and 1: the logs are clamped at -100 as in PyTorch
    run("binary_cross_entropy", [np.array([0.0, 1.0, 0.5]), np.array([1.0, 0.0, 1.0])], dtype, reduction=reduction)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_with_logits(reduction, dtype):
    x = randn(4, 3) * 30  # large logits: the stable formulation must not overflow
    t = np.random.default_rng(3).random((4, 3))
    e_out, t_out = run("binary_cross_entropy_with_logits", [x, t], dtype, grad_target=True, reduction=reduction)
    assert e_out.grad_fn.name() == t_out.grad_fn.name()
    run("binary_cross_entropy_with_logits", [x / 30, t], dtype, grad_target=True, reduction=reduction,
        weight=np.abs(randn(3, seed=4)), pos_weight=np.abs(randn(3, seed=5)) + 0.5)


@pytest.mark.parametrize("log_target", [False, True])
@pytest.mark.parametrize("reduction", ["batchmean", "sum", "none"])
def test_kl_div(reduction, log_target):
    logp = np.log(np.random.default_rng(0).dirichlet(np.ones(4), size=3))
    q = np.random.default_rng(1).dirichlet(np.ones(4), size=3)
    target = np.log(q) if log_target else q
    run("kl_div", [logp, target], ember.float64, grad_target=True, reduction=reduction, log_target=log_target)
    if not log_target:
        q[0, 1] = 0.0  # 0 log 0 = 0 (PyTorch's gradient in that target entry is nan: not compared)
        run("kl_div", [logp, q], ember.float64, reduction=reduction)


def test_kl_div_mean_warns_as_pytorch():
    with pytest.warns(UserWarning, match="reduction: 'mean' divides the total loss by both the batch size"):
        run("kl_div", [randn(2, 3), np.abs(randn(2, 3))], ember.float64)


CLASS_CASES = {
    "2d": ((5, 4), [0, 3, 1, 1, 2]),
    "1d": ((4,), 2),
    "kdim": ((2, 4, 3, 2), [[[0, 1], [3, 3], [2, 0]], [[1, 1], [0, 2], [3, 1]]]),
}


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", list(CLASS_CASES))
@pytest.mark.parametrize("options", [{}, {"weight": True}, {"ignore_index": 1}, {"label_smoothing": 0.2},
                                     {"weight": True, "ignore_index": 3, "label_smoothing": 0.1}],
                         ids=["plain", "weight", "ignore", "smoothing", "all"])
def test_cross_entropy_class_indices(case, reduction, dtype, options):
    shape, target = CLASS_CASES[case]
    kwargs = dict(options)
    if kwargs.get("weight"):
        kwargs["weight"] = np.abs(randn(shape[0 if len(shape) == 1 else 1], seed=7)) + 0.1
    e_out, t_out = run("cross_entropy", [randn(*shape), np.array(target)], dtype, reduction=reduction, **kwargs)
    assert e_out.grad_fn.name() == t_out.grad_fn.name()
    # One fused node where PyTorch chains NllLoss (or Add) and LogSoftmax: it leads to the logits.
    assert e_out.grad_fn.next_functions[0][0].name() == "AccumulateGrad"
    if "label_smoothing" not in options:
        run("nll_loss", [randn(*shape), np.array(target)], dtype, reduction=reduction,
            **{k: v for k, v in kwargs.items() if k != "label_smoothing"})


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", [{}, {"weight": True}, {"label_smoothing": 0.3}])
def test_cross_entropy_probabilities(reduction, options):
    kwargs = dict(options)
    if kwargs.get("weight"):
        kwargs["weight"] = np.abs(randn(4, seed=7))
    probs = np.random.default_rng(2).dirichlet(np.ones(4), size=(3, 2)).transpose(0, 2, 1)  # (N, C, d)
    run("cross_entropy", [randn(3, 4, 2), probs], ember.float64, grad_target=True, reduction=reduction, **kwargs)
    run("cross_entropy", [randn(3, 4), probs[:, :, 0]], ember.float64, reduction=reduction, **kwargs)


def test_all_targets_ignored_gives_nan_mean():
    e_out, t_out = run("cross_entropy", [randn(2, 3), np.array([-100, -100])], ember.float64)
    assert np.isnan(e_out.item()) and np.isnan(t_out.item())


def test_legacy_size_average_and_reduce():
    x, t = randn(3, 4), randn(3, 4, seed=1)
    for size_average, reduce in [(False, None), (None, False), (True, True)]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            run("mse_loss", [x, t], ember.float64, size_average=size_average, reduce=reduce)
            e_mod = nn.CrossEntropyLoss(size_average=size_average, reduce=reduce)
            t_mod = torch.nn.CrossEntropyLoss(size_average=size_average, reduce=reduce)
        assert e_mod.reduction == t_mod.reduction
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated, please use "
                                         "reduction='sum' instead."):
        nn.L1Loss(size_average=False)


def test_loss_modules_match_functional_and_reprs():
    w = np.abs(randn(4, seed=1))
    cases = [
        ("MSELoss", {}, "float"), ("L1Loss", {"reduction": "sum"}, "float"), ("SmoothL1Loss", {"beta": 0.5}, "float"),
        ("HuberLoss", {"delta": 2.0}, "float"), ("CrossEntropyLoss", {"weight": w, "label_smoothing": 0.1}, "class"),
        ("NLLLoss", {"ignore_index": 0}, "class"), ("BCELoss", {}, "prob"), ("BCEWithLogitsLoss", {"pos_weight": w},
                                                                                   "prob"),
        ("KLDivLoss", {"reduction": "batchmean"}, "prob"), ("SoftMarginLoss", {}, "sign"),
        ("MultiLabelSoftMarginLoss", {}, "prob"), ("PoissonNLLLoss", {}, "float"),
    ]
    x = randn(5, 4)
    targets = {"float": randn(5, 4, seed=2), "class": np.array([0, 3, 1, 1, 2]),
               "prob": np.random.default_rng(2).random((5, 4)), "sign": np.sign(randn(5, 4, seed=2))}
    for name, kwargs, kind in cases:
        e_kw = {k: ember.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
        t_kw = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
        e_mod, t_mod = getattr(nn, name)(**e_kw), getattr(torch.nn, name)(**t_kw)
        assert repr(e_mod) == repr(t_mod)
        assert [n for n, _ in e_mod.named_buffers()] == [n for n, _ in t_mod.named_buffers()]
        inp = 1 / (1 + np.exp(-x)) if name == "BCELoss" else x
        e_x, t_x = pair(inp, ember.float64)
        e_t, t_t = pair(targets[kind], ember.float64, requires_grad=False)
        e_out, t_out = e_mod(e_x, e_t), t_mod(t_x, t_t)
        assert_close(e_out, t_out, ember.float64, name)
        e_out.backward()
        t_out.backward()
        assert_close(e_x.grad, t_x.grad, ember.float64, name)


def test_margin_and_distance_losses():
    a, b, c = randn(4, 3), randn(4, 3, seed=1), randn(4, 3, seed=2)
    y = np.array([1.0, -1.0, 1.0, -1.0])
    for reduction in REDUCTIONS:
        run("margin_ranking_loss", [randn(4), randn(4, seed=1), y], ember.float64, reduction=reduction, margin=0.1)
        run("hinge_embedding_loss", [randn(4, 3), np.sign(randn(4, 3, seed=1))], ember.float64, reduction=reduction)
        run("cosine_embedding_loss", [a, b, y], ember.float64, reduction=reduction, margin=0.2)
        run("triplet_margin_loss", [a, b, c], ember.float64, reduction=reduction)
        run("triplet_margin_loss", [a, b, c], ember.float64, reduction=reduction, swap=True, p=1)
        run("poisson_nll_loss", [a, np.abs(b) * 3], ember.float64, reduction=reduction, full=True)
        run("poisson_nll_loss", [np.abs(a), np.abs(b)], ember.float64, reduction=reduction, log_input=False)
        run("gaussian_nll_loss", [a, b, np.abs(c) + 0.1], ember.float64, reduction=reduction)
        run("multilabel_soft_margin_loss", [a, (b > 0).astype(np.float64)], ember.float64, reduction=reduction)


def _both(fn_name, *args, **kwargs):
    e_args = [ember.tensor(a) if isinstance(a, np.ndarray) else a for a in args]
    t_args = [torch.tensor(a) if isinstance(a, np.ndarray) else a for a in args]
    return (lambda: getattr(F, fn_name)(*e_args, **kwargs)), (lambda: getattr(TF, fn_name)(*t_args, **kwargs))


@pytest.mark.parametrize("fn_name,args,kwargs", [
    ("cross_entropy", (randn(2, 3), np.array([0, 3])), {}),
    ("cross_entropy", (randn(2, 3), np.array([0, -2])), {}),
    ("nll_loss", (randn(2, 3), np.array([5, 0])), {}),
    ("cross_entropy", (randn(2, 3), np.array([0, 1, 2])), {}),
    ("cross_entropy", (randn(2, 3), np.array([0.0, 1.0])), {}),
    ("nll_loss", (randn(2, 3), np.array([0, 1], dtype=np.int32)), {}),
    ("cross_entropy", (randn(2, 3), np.array([[0, 1, 1], [1, 0, 0]])), {}),
    ("cross_entropy", (randn(2, 3), np.random.default_rng(0).random((2, 3))), {"ignore_index": 1}),
    ("nll_loss", (np.array(1.0), np.array(1)), {}),
    ("nll_loss", (randn(2, 3), np.zeros((2, 3), dtype=np.int64)), {}),
    ("nll_loss", (randn(2, 3, 4), np.zeros((3, 4), dtype=np.int64)), {}),
    ("nll_loss", (randn(2, 3, 4), np.zeros((2, 5), dtype=np.int64)), {}),
    ("nll_loss", (randn(2, 3), np.array([0, 1])), {"weight": None, "reduction": "avg"}),
    ("cross_entropy", (randn(2, 3), np.array([0, 1])), {"label_smoothing": 1.5}),
    ("binary_cross_entropy", (np.array([1.5]), np.array([1.0])), {}),
    ("binary_cross_entropy", (np.array([0.5]), np.array([1.5])), {}),
    ("binary_cross_entropy", (np.array([0.5, 0.5]), np.array([1.0])), {}),
    ("binary_cross_entropy_with_logits", (np.array([0.5, 0.5]), np.array([1.0])), {}),
    ("mse_loss", (np.array([0.5, 0.5]), np.array([1.0, 2.0, 3.0])), {}),
    ("huber_loss", (np.array([0.5]), np.array([1.0])), {"delta": 0.0}),
    ("l1_loss", (np.array([0.5]), np.array([1.0])), {"reduction": "max"}),
])
def test_bad_targets_raise_pytorchs_errors(fn_name, args, kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_same_error(*_both(fn_name, *args, **kwargs))


def test_nll_weight_size_error():
    e_call = lambda: F.nll_loss(ember.randn(2, 3), ember.tensor([0, 1]), weight=ember.ones(2))  # noqa: E731
    t_call = lambda: TF.nll_loss(torch.randn(2, 3), torch.tensor([0, 1]), weight=torch.ones(2))  # noqa: E731
    assert_same_error(e_call, t_call)


def test_cross_entropy_double_backward():
    """The loss Functions' backward is written with ember ops, so it differentiates again."""
    x = ember.randn(3, 4, dtype=ember.float64, requires_grad=True)
    y = ember.tensor([0, 2, 3])
    assert ember.autograd.gradgradcheck(lambda x: F.cross_entropy(x, y), (x,))
    t = ember.randn(3, 4, dtype=ember.float64)
    assert ember.autograd.gradgradcheck(lambda x: F.mse_loss(x, t), (x,))
    assert ember.autograd.gradgradcheck(lambda x: F.binary_cross_entropy_with_logits(x, t.sigmoid()), (x,))
