"""Shared by the tutorial examples: write a figure to PNG when matplotlib is installed."""


def save_plot(path, draw):
    """Calls draw(plt) and saves the figure to `path` ('' skips). Needs the examples extra."""
    if not path:
        return
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(f"matplotlib is not installed (pip install '.[examples]'): {path} not written")
        return
    fig = plt.figure(figsize=(5, 4))
    draw(plt)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    print(f"wrote {path}")
