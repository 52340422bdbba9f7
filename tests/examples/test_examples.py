"""The example programs run as smoke tests: short runs that must still learn."""
import os
import sys

import pytest

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "examples")
sys.path.insert(0, os.path.abspath(EXAMPLES))

import classification  # noqa: E402
import lenet_mnist  # noqa: E402
import linear_regression_manual  # noqa: E402
import linear_regression_nn  # noqa: E402
import nonlinear_regression  # noqa: E402


def test_linear_regression_manual_recovers_the_weights():
    w, b = linear_regression_manual.main(["--epochs", "100", "--plot", ""])
    assert abs(w[0].item() - 2.0) < 0.02 and abs(w[1].item() + 3.4) < 0.02 and abs(b.item() - 4.2) < 0.02


def test_linear_regression_nn_fits_the_line():
    model = linear_regression_nn.main(["--epochs", "100", "--plot", ""])
    assert abs(model.weight.item() - 3.0) < 0.1 and abs(model.bias.item() - 0.5) < 0.1


def test_nonlinear_regression_learns_the_cubic():
    assert nonlinear_regression.main(["--epochs", "300", "--plot", ""]) < 0.1


@pytest.mark.parametrize("classes", ["2", "3"])
def test_classification_separates_the_clusters(classes):
    assert classification.main(["--classes", classes, "--epochs", "100", "--plot", ""]) > 0.9


MNIST = os.path.join(os.environ.get("EMBER_DATA", ""), "mnist")


@pytest.mark.skipif(not os.environ.get("EMBER_DATA") or not os.path.isdir(MNIST), reason="EMBER_DATA/mnist not set")
def test_lenet_one_epoch_on_a_subset_then_resume(tmp_path):
    ckpt = str(tmp_path / "lenet.pt")
    common = ["--root", MNIST, "--limit", "6000", "--lr", "0.05", "--checkpoint", ckpt, "--plot", ""]
    assert lenet_mnist.main(common + ["--epochs", "1", "--min-accuracy", "0.80"]) == 0
    assert os.path.exists(ckpt)
    assert lenet_mnist.main(common + ["--epochs", "2", "--resume", "--min-accuracy", "0.88"]) == 0
