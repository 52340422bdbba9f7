"""MNIST(download=True) against a local HTTP server: good files, bad checksums, short transfers,
mirror fallback, offline, and no network at all when the files are present."""
import gzip
import hashlib
import http.server
import socket
import threading
import time

import numpy as np
import pytest

from ember.vision import datasets

from idx_files import idx_bytes

NAMES = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
         "t10k-labels-idx1-ubyte.gz"]


def files():
    rng = np.random.default_rng(1)
    out = {}
    for split, n in (("train", 4), ("t10k", 3)):
        out[f"{split}-images-idx3-ubyte.gz"] = gzip.compress(idx_bytes(rng.integers(0, 256, (n, 2, 2), np.uint8)))
        out[f"{split}-labels-idx1-ubyte.gz"] = gzip.compress(idx_bytes(np.arange(n, dtype=np.uint8)))
    return out


class Server:
    """Serves `routes` (path -> bytes) on 127.0.0.1; '/short/...' promises more bytes than it sends."""

    def __init__(self, routes):
        self.routes, self.requests = routes, []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests.append(self.path)
                body = server.routes.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body) + (100 if self.path.startswith("/short/") else 0)))
                self.end_headers()
                self.wfile.write(body)
                self.close_connection = True

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = Server({})
    yield s
    s.close()


@pytest.fixture
def local_mnist(monkeypatch):
    """Point MNIST at our server, with md5s of the generated files and a short timeout."""
    data = files()
    monkeypatch.setattr(datasets.MNIST, "resources", [(n, hashlib.md5(data[n]).hexdigest()) for n in NAMES])
    monkeypatch.setattr(datasets.MNIST, "download_timeout", 5.0)
    return data


def closed_port_url():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/"


def test_download_good_files(tmp_path, server, local_mnist, monkeypatch):
    server.routes.update({f"/good/{n}": b for n, b in local_mnist.items()})
    monkeypatch.setattr(datasets.MNIST, "mirrors", [server.url + "/good/"])
    ds = datasets.MNIST(tmp_path, download=True)
    assert ds.targets.tolist() == [0, 1, 2, 3] and len(datasets.MNIST(tmp_path, train=False)) == 3
    assert sorted(p.name for p in (tmp_path / "MNIST" / "raw").iterdir()) == sorted(NAMES)
    served = len(server.requests)
    datasets.MNIST(tmp_path, download=True)  # everything present: no request at all
    assert len(server.requests) == served == 4


def test_falls_back_to_the_next_mirror(tmp_path, server, local_mnist, monkeypatch):
    server.routes.update({f"/good/{n}": b for n, b in local_mnist.items()})
    monkeypatch.setattr(datasets.MNIST, "mirrors", [closed_port_url(), server.url + "/missing/", server.url + "/good/"])
    assert len(datasets.MNIST(tmp_path, download=True)) == 4


def test_bad_checksum_is_refused_and_nothing_is_kept(tmp_path, server, local_mnist, monkeypatch):
    server.routes.update({f"/bad/{n}": b + b"tampered" for n, b in local_mnist.items()})
    monkeypatch.setattr(datasets.MNIST, "mirrors", [server.url + "/bad/"])
    with pytest.raises(RuntimeError, match="(?s)Error downloading train-images-idx3-ubyte.gz:.*checksum mismatch"):
        datasets.MNIST(tmp_path, download=True)
    assert list((tmp_path / "MNIST" / "raw").iterdir()) == []


def test_short_transfer_is_refused(tmp_path, server, local_mnist, monkeypatch):
    server.routes.update({f"/short/{n}": b for n, b in local_mnist.items()})
    monkeypatch.setattr(datasets.MNIST, "mirrors", [server.url + "/short/"])
    with pytest.raises(RuntimeError, match="Error downloading"):
        datasets.MNIST(tmp_path, download=True)
    assert list((tmp_path / "MNIST" / "raw").iterdir()) == []


def test_offline_error_is_clear_and_bounded(tmp_path, local_mnist, monkeypatch):
    monkeypatch.setattr(datasets.MNIST, "mirrors", [closed_port_url()])
    start = time.monotonic()
    with pytest.raises(RuntimeError, match=r"(?s)Error downloading train-images.*Connection refused.*offline, copy "):
        datasets.MNIST(tmp_path, download=True)
    assert time.monotonic() - start < 5


def test_present_files_never_touch_the_network(tmp_path, local_mnist, monkeypatch):
    for name, data in local_mnist.items():
        (tmp_path / name).write_bytes(data)
    monkeypatch.setattr(datasets.MNIST, "mirrors", [closed_port_url()])
    assert len(datasets.MNIST(tmp_path, download=True)) == 4


def test_silent_server_times_out(tmp_path, local_mnist, monkeypatch):
    with socket.socket() as s:  # accepts connections, never answers
        s.bind(("127.0.0.1", 0))
        s.listen()
        monkeypatch.setattr(datasets.MNIST, "mirrors", [f"http://127.0.0.1:{s.getsockname()[1]}/"])
        monkeypatch.setattr(datasets.MNIST, "download_timeout", 0.5)
        start = time.monotonic()
        with pytest.raises(RuntimeError, match="timed out"):
            datasets.MNIST(tmp_path, download=True)
        assert time.monotonic() - start < 5
