"""10,000 LeNet training steps (Conv2d, MaxPool2d, Linear, cross-entropy, SGD) hold resident
memory constant: nothing the graph, the modules or the optimizer allocate per step is kept."""
import ember
from ember import nn, optim
from memory_growth import rss_growth_kib


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                                      nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.ReLU(), nn.Linear(120, 84),
                                        nn.ReLU(), nn.Linear(84, 10))

    def forward(self, x):
        return self.classifier(self.features(x))


def test_ten_thousand_lenet_steps_hold_constant_memory():
    model = LeNet()
    opt = optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
    x, y = ember.randn(1, 1, 28, 28), ember.randint(0, 10, (1,))

    def step():
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()

    grown = rss_growth_kib(step)
    assert grown < 4096, f"RSS grew by {grown} KiB over 10,000 LeNet steps"  # tolerance: 4 MiB
