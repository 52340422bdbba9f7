"""ember.save / ember.load, in PyTorch's file format, so each reads what the other wrote.

A checkpoint is an uncompressed zip archive:
    archive/data.pkl                   the pickled object; tensors refer to storages by key
    archive/.format_version, archive/.storage_alignment, archive/byteorder
    archive/data/<key>                 each storage's raw bytes, 64-byte aligned in the file
    archive/version, archive/.data/serialization_id
(_torch_pickle.py holds the pickle names.) Saving to a path is atomic: the archive is written to a
temporary file beside it, synced, and renamed over the target, so a failed save leaves the
previous checkpoint intact.
"""
import io
import os
import struct
import sys

import numpy as np

from ._creation import empty, from_numpy
from ._device import CPU, as_device
from ._tensor import Tensor
from . import _torch_pickle

DEFAULT_PROTOCOL = 2  # what torch.save writes, and all its weights-only unpickler reads
_ALIGN = 64
_ZIP_MAGIC = b"PK\x03\x04"
# Pre-1.6 torch.save files start with a protocol-2 pickle of this number (PROTO 2, LONG1 of 10 bytes).
# Compared as bytes: unpickling an unknown file to find out would run whatever it holds.
_LEGACY_HEAD = b"\x80\x02\x8a\x0a" + (0x1950A86A20F9469CFC6C).to_bytes(10, "little")


# ---- plain pickling (pickle.dumps, copy, multiprocessing): Tensor.__reduce_ex__ calls this ----
def _reduce_tensor(t):
    # NumPy copies the bytes, not an ember kernel: this may run in a forked DataLoader worker's
    # queue thread, which must not start OpenMP.
    data = t.detach()
    dev = None if data.is_cpu else str(data.device)
    array = data.cpu().numpy()
    if not array.flags.c_contiguous:
        array = array.copy()  # not np.ascontiguousarray, which turns a 0-d array into a 1-d one
    return _rebuild_pickled, (array, t.requires_grad, dev, type(t))


def _rebuild_pickled(array, requires_grad, dev, cls):
    t = from_numpy(array if array.flags.writeable else array.copy())
    if dev is not None:
        t = t.to(dev)
    if requires_grad:
        t.requires_grad_(True)
    if cls is not Tensor:
        t.__class__ = cls
    return t


# ---- save ---------------------------------------------------------------------------------------
def save(obj, f, pickle_protocol=DEFAULT_PROTOCOL):
    """Save `obj` (tensors, state dicts, checkpoints, whole modules) to a path or binary file."""
    buf = io.BytesIO()
    pickler = _torch_pickle.TorchNamePickler(buf, pickle_protocol)
    pickler.dump(obj)
    if isinstance(f, (str, os.PathLike)):
        _atomic_write(os.fspath(f), lambda out: _write_archive(out, buf.getbuffer(), pickler.storages))
    else:
        _write_archive(f, buf.getbuffer(), pickler.storages)


def _write_archive(out, pickled, storages):
    import zipfile

    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:
        _write_record(zf, "archive/data.pkl", pickled)
        _write_record(zf, "archive/.format_version", b"1")
        _write_record(zf, "archive/.storage_alignment", str(_ALIGN).encode())
        _write_record(zf, "archive/byteorder", sys.byteorder.encode())
        for ref in storages:
            data = ref.base if ref.base.is_cpu else ref.base.cpu()
            _write_record(zf, f"archive/data/{ref.key}", memoryview(data.numpy()).cast("B"))
        _write_record(zf, "archive/version", b"3\n")
        _write_record(zf, "archive/.data/serialization_id", "".join(str(b % 10) for b in os.urandom(40)).encode())


def _write_record(zf, name, data):
    """Write one stored entry whose data starts on a 64-byte boundary, as PyTorch aligns them:
    the local header's extra field ('FB' + length) is the padding."""
    import zipfile

    info = zipfile.ZipInfo(name)
    size = len(data)
    zip64 = size * 1.05 > zipfile.ZIP64_LIMIT  # zipfile then adds a 20-byte zip64 field itself
    header = 30 + len(name.encode()) + 4 + (20 if zip64 else 0)
    pad = -(zf.fp.tell() + header) % _ALIGN
    info.extra = struct.pack("<2sH", b"FB", pad) + b"Z" * pad
    zf.writestr(info, data)


def _atomic_write(path, write):
    directory = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(directory, f".{os.path.basename(path)}.{os.urandom(4).hex()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask applies, as for open()
    try:
        with os.fdopen(fd, "wb") as out:
            write(out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    _fsync_dir(directory)


def _fsync_dir(directory):
    """Make the rename itself durable (where the OS lets us open a directory)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# ---- load ---------------------------------------------------------------------------------------
def load(f, map_location=None, *, weights_only=True):
    """Load what ember.save or torch.save wrote. `weights_only=True` (the default) resolves only
    tensors, dtypes and plain containers; pass False for whole modules from a trusted source."""
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as fh:
            return _load_archive(fh, os.fspath(f), map_location, weights_only)
    return _load_archive(f, getattr(f, "name", "<file>"), map_location, weights_only)


def _load_archive(fh, name, map_location, weights_only):
    import zipfile

    start = fh.tell()
    head = fh.read(len(_LEGACY_HEAD))
    fh.seek(start)
    if head[:4] != _ZIP_MAGIC:
        _not_an_archive(name, head)
    try:
        zf = zipfile.ZipFile(fh)
        with zf:
            prefix = _archive_prefix(zf, name)
            byteorder = _read_text(zf, prefix + "byteorder", "little")
            restore = _Restorer(zf, prefix, byteorder, map_location)
            with zf.open(prefix + "data.pkl") as pkl:
                return _torch_pickle.TorchNameUnpickler(pkl, weights_only, restore).load()
    except (zipfile.BadZipFile, EOFError, OSError, struct.error) as e:
        raise RuntimeError(f"{name}: PytorchStreamReader failed reading zip archive: the file is truncated or "
                           f"corrupt ({e})") from e


def _not_an_archive(name, head):
    if not head:
        raise RuntimeError(f"{name}: the file is empty, not a checkpoint")
    if head == _LEGACY_HEAD:
        raise RuntimeError(f"{name}: this is PyTorch's legacy (pre-1.6) checkpoint format, which ember does not "
                           "read; re-save it with torch.save in a current PyTorch")
    raise RuntimeError(f"{name}: not a checkpoint (PytorchStreamReader failed reading zip archive: failed finding "
                       "central directory); the file is truncated or corrupt, or was not written by ember.save or "
                       "torch.save")


def _archive_prefix(zf, name):
    pkls = [n for n in zf.namelist() if n.endswith("/data.pkl") and n.count("/") == 1]
    if not pkls:
        raise RuntimeError(f"{name}: no data.pkl in the archive: not a checkpoint written by ember.save or torch.save")
    prefix = pkls[0][:-len("data.pkl")]
    if prefix + "constants.pkl" in zf.namelist():
        raise RuntimeError(f"{name}: this is a TorchScript archive (torch.jit.save), which ember does not read")
    return prefix


def _read_text(zf, member, default):
    try:
        return zf.read(member).decode().strip()
    except KeyError:
        return default


class _Restorer:
    """Reads each storage once (views share it) and puts it where map_location says."""

    def __init__(self, zf, prefix, byteorder, map_location):
        if byteorder not in ("little", "big"):
            raise RuntimeError(f"corrupt checkpoint: unknown byte order {byteorder!r}")
        self.zf, self.prefix, self.swap = zf, prefix, byteorder != sys.byteorder
        self.map_location = map_location
        self.loaded = {}

    def __call__(self, dtype, key, location, numel):
        if key not in self.loaded:
            self.loaded[key] = self._place(self._read(dtype, key, numel), location)
        t = self.loaded[key]
        if t.dtype is not dtype:
            raise RuntimeError(f"corrupt checkpoint: storage {key} is read as both {t.dtype} and {dtype}")
        return t

    def _read(self, dtype, key, numel):
        member = f"{self.prefix}data/{key}"
        try:
            info = self.zf.getinfo(member)
        except KeyError:
            raise RuntimeError(f"corrupt checkpoint: storage {key} is missing from the archive") from None
        if numel < 0 or info.file_size != numel * dtype.itemsize:
            raise RuntimeError(f"corrupt checkpoint: storage {key} holds {info.file_size} bytes, expected "
                               f"{numel} x {dtype.itemsize}")
        t = empty(numel, dtype=dtype)
        arr = t.numpy()
        view = memoryview(arr.view(np.uint8))
        with self.zf.open(info) as src:  # reading to the end also checks the CRC
            got = 0
            while got < len(view):
                n = src.readinto(view[got:])
                if not n:
                    raise RuntimeError(f"corrupt checkpoint: storage {key} is truncated")
                got += n
            src.read()
        if self.swap:
            arr.byteswap(inplace=True)
        return t

    def _place(self, t, location):
        m = self.map_location
        if callable(m) and not isinstance(m, (str, dict)):
            placed = m(t, location)
            return placed if placed is not None else self._to(t, location)
        if isinstance(m, dict):
            return self._to(t, str(m.get(location, location)))
        return self._to(t, location if m is None else m)

    @staticmethod
    def _to(t, where):
        dev = as_device(where)
        if dev.type == "cuda":
            from . import cuda

            if not cuda.is_available():
                raise RuntimeError("Attempting to deserialize object on a CUDA device but ember.cuda.is_available() "
                                   "is False. If you are running on a CPU-only machine, please use ember.load with "
                                   "map_location=ember.device('cpu') to map your storages to the CPU.")
            return t.to(dev)
        return t if dev == CPU else t.to(dev)
