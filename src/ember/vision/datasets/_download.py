"""Fetching a dataset file from a list of mirrors, verified by MD5, written atomically."""
import hashlib
import os
import secrets
import urllib.error
import urllib.request

_CHUNK = 1 << 20


def download(filename, md5, mirrors, folder, timeout):
    """Fetch `filename` from the first mirror that serves it with the right MD5 into `folder`.

    Raises RuntimeError listing what went wrong with each mirror (offline, HTTP error, short
    transfer, checksum mismatch).
    """
    os.makedirs(folder, exist_ok=True)
    target = os.path.join(folder, filename)
    problems = []
    for mirror in mirrors:
        url = mirror + filename
        try:
            _fetch(url, target, md5, timeout)
            return target
        except (OSError, ValueError, urllib.error.URLError) as e:  # URLError covers offline and HTTP errors
            problems.append(f"  {url}: {e}")
    raise RuntimeError(f"Error downloading {filename}:\n" + "\n".join(problems) + f"\nIf this machine is offline, "
                       f"copy {filename} into {folder} (or the dataset root) and the dataset will use it.")


def _fetch(url, target, md5, timeout):
    tmp = f"{target}.{secrets.token_hex(4)}.part"
    h = hashlib.md5(usedforsecurity=False)
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, open(tmp, "wb") as out:
            expected = response.headers.get("Content-Length")
            size = 0
            for block in iter(lambda: response.read(_CHUNK), b""):
                out.write(block)
                h.update(block)
                size += len(block)
        if expected is not None and size != int(expected):
            raise ValueError(f"transfer cut short: got {size} of {expected} bytes")
        if md5 is not None and h.hexdigest() != md5:
            raise ValueError(f"checksum mismatch: MD5 {h.hexdigest()}, expected {md5}")
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
