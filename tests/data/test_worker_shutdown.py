"""DataLoader workers go away when the main loop fails or is interrupted (Ctrl-C), within a
bounded time, and the interrupted process exits instead of hanging."""
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from ember.utils.data import DataLoader, Dataset


class Slow(Dataset):
    def __len__(self):
        return 1000

    def __getitem__(self, i):
        time.sleep(0.01)
        return i


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as f:  # a zombie waiting for its parent counts as gone
        return f.read().split()[2] != "Z"


def _gone(pids, wait=10.0):
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.05)
    return not any(_alive(p) for p in pids)


def test_exception_in_the_main_loop_stops_workers():
    it = iter(DataLoader(Slow(), batch_size=4, num_workers=2))
    pids = [w.pid for w in it._workers]
    with pytest.raises(ZeroDivisionError):
        for _ in it:
            1 / 0
    del it
    assert _gone(pids)


SCRIPT = textwrap.dedent("""
    import sys, time
    from ember.utils.data import DataLoader, Dataset

    class Slow(Dataset):
        def __len__(self):
            return 100000

        def __getitem__(self, i):
            time.sleep(0.01)
            return i

    it = iter(DataLoader(Slow(), batch_size=2, num_workers=2))
    print(" ".join(str(w.pid) for w in it._workers), flush=True)
    for batch in it:
        pass
""")


def test_sigint_in_the_main_loop_exits_and_stops_workers():
    p = subprocess.Popen([sys.executable, "-c", SCRIPT], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        pids = [int(v) for v in p.stdout.readline().split()]
        assert len(pids) == 2
        time.sleep(0.5)  # inside the loop, batches flowing
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=20)
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode != 0 and "KeyboardInterrupt" in err
    assert _gone(pids)
