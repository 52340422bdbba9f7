"""ember.save / ember.load: PyTorch's file format both ways, safety, atomicity; safetensors."""
import collections
import copy
import io
import os
import pathlib
import pickle
import struct
import zipfile

import numpy as np
import pytest

import ember
from ember import serialization
from ember.utils import safetensors


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def samples():
    """Tensors of every dtype, with views that break naive code."""
    base = ember.arange(24.).reshape(4, 6)
    return {
        "f32": ember.randn(3, 4),
        "f64": ember.randn(5, dtype=ember.float64),
        "i64": ember.arange(-3, 3),
        "i32": ember.arange(6).int().reshape(2, 3),
        "u8": ember.arange(250, 256).to(ember.uint8),
        "bool": ember.tensor([True, False, True]),
        "scalar": ember.tensor(2.5),
        "empty": ember.zeros(0, 3),
        "transposed": base.t(),
        "stepped": base[1:, ::2],
        "expanded": ember.tensor([1.0, 2.0]).expand(3, 2),
        "grad": ember.ones(2, requires_grad=True),
    }


def assert_same(ours, theirs):
    """An ember tensor and a torch tensor agree in dtype, layout and values."""
    assert repr(ours.dtype) == str(theirs.dtype)
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert tuple(ours.stride()) == tuple(theirs.stride()) and ours.storage_offset() == theirs.storage_offset()
    assert ours.requires_grad == theirs.requires_grad
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())


def assert_equal(a, b):
    assert a.dtype is b.dtype and tuple(a.shape) == tuple(b.shape) and a.requires_grad == b.requires_grad
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


def rewrite(path, changes):
    """Copy a checkpoint archive with some members' bytes replaced."""
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    members.update(changes)
    with zipfile.ZipFile(path, "w") as z:
        for n, data in members.items():
            z.writestr(n, data)


# ---- PyTorch interchange ---------------------------------------------------------------------
@pytest.mark.parametrize("weights_only", [True, False])
def test_ember_save_torch_load(tmp_path, torch, weights_only):
    path = tmp_path / "ckpt.pt"
    ours = samples()
    ember.save(ours, path)
    theirs = torch.load(path, weights_only=weights_only)
    assert list(theirs) == list(ours)
    for k in ours:
        assert_same(ours[k], theirs[k])


def test_torch_save_ember_load(tmp_path, torch):
    base = torch.arange(24.).reshape(4, 6)
    theirs = {"f32": torch.randn(3, 4), "f64": torch.randn(2, dtype=torch.float64), "i64": torch.arange(4),
              "i32": torch.arange(3, dtype=torch.int32), "u8": torch.arange(3, dtype=torch.uint8),
              "bool": torch.tensor([True, False]), "scalar": torch.tensor(1.5), "empty": torch.zeros(0, 2),
              "transposed": base.t(), "stepped": base[1:, ::2], "grad": torch.ones(2, requires_grad=True)}
    torch.save(theirs, tmp_path / "t.pt")
    ours = ember.load(tmp_path / "t.pt")
    for k in theirs:
        assert_same(ours[k], theirs[k])


def test_views_share_their_storage_both_ways(tmp_path, torch):
    x = ember.arange(12.).reshape(3, 4)
    ember.save({"x": x, "row": x[1], "t": x.t(), "other": ember.ones(2)}, tmp_path / "e.pt")
    with zipfile.ZipFile(tmp_path / "e.pt") as z:
        assert sorted(n for n in z.namelist() if "/data/" in n) == ["archive/data/0", "archive/data/1"]
    t = torch.load(tmp_path / "e.pt")
    assert t["row"].untyped_storage().data_ptr() == t["x"].untyped_storage().data_ptr() == \
        t["t"].untyped_storage().data_ptr() != t["other"].untyped_storage().data_ptr()
    t["x"][1, 0] = 100.0
    assert t["row"][0].item() == 100.0
    torch.save(t, tmp_path / "t.pt")
    e = ember.load(tmp_path / "t.pt")
    assert e["row"]._c.same_storage(e["x"]._c) and e["t"]._c.same_storage(e["x"]._c)
    assert not e["other"]._c.same_storage(e["x"]._c)
    e["x"][1, 1] = -1.0
    assert e["row"][1].item() == -1.0 and e["t"][1, 1].item() == -1.0


def test_torch_parameters_and_modules_state_dict(tmp_path, torch):
    model = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.ReLU(), torch.nn.Linear(2, 1))
    opt = torch.optim.Adam(model.parameters())
    model(torch.randn(4, 3)).sum().backward()
    opt.step()
    torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "epoch": 3,
                "param": torch.nn.Parameter(torch.ones(2))}, tmp_path / "c.pt")
    ours = ember.load(tmp_path / "c.pt")
    assert isinstance(ours["model"], collections.OrderedDict) and list(ours["model"]) == list(model.state_dict())
    for k, v in model.state_dict().items():
        assert_same(ours["model"][k], v)
    assert ours["opt"]["param_groups"][0]["betas"] == (0.9, 0.999) and ours["epoch"] == 3
    assert_same(ours["opt"]["state"][0]["exp_avg"], opt.state_dict()["state"][0]["exp_avg"])
    assert ours["param"].requires_grad and ours["param"].tolist() == [1.0, 1.0]


def test_ember_objects_map_to_torch_types(tmp_path, torch):
    ember.save({"size": ember.Size([2, 3]), "dtype": ember.float64, "device": ember.device("cpu")}, tmp_path / "o.pt")
    got = torch.load(tmp_path / "o.pt", weights_only=True)
    assert got == {"size": torch.Size([2, 3]), "dtype": torch.float64, "device": torch.device("cpu")}
    back = ember.load(tmp_path / "o.pt")
    assert back == {"size": ember.Size([2, 3]), "dtype": ember.float64, "device": ember.device("cpu")}
    assert type(back["size"]) is ember.Size


def test_unsupported_torch_dtype_is_named(tmp_path, torch):
    torch.save(torch.ones(2, dtype=torch.float16), tmp_path / "h.pt")
    with pytest.raises(RuntimeError, match="HalfStorage"):
        ember.load(tmp_path / "h.pt")


def test_legacy_torch_format_is_named(tmp_path, torch):
    torch.save(torch.ones(2), tmp_path / "old.pt", _use_new_zipfile_serialization=False)
    with pytest.raises(RuntimeError, match="legacy"):
        ember.load(tmp_path / "old.pt")


def test_file_layout_matches_torch(tmp_path, torch):
    ember.save({"a": ember.ones(3), "b": ember.zeros(2, dtype=ember.int64)}, tmp_path / "e.pt")
    torch.save({"a": torch.ones(3), "b": torch.zeros(2, dtype=torch.int64)}, tmp_path / "t.pt")
    with zipfile.ZipFile(tmp_path / "e.pt") as e, zipfile.ZipFile(tmp_path / "t.pt") as t:
        ours = [n.split("/", 1)[1] for n in e.namelist()]
        assert ours == [n.split("/", 1)[1] for n in t.namelist()]
        assert e.read("archive/data.pkl") == t.read("t/data.pkl")  # byte for byte the pickle torch writes
        for n in ours:
            if n != ".data/serialization_id":
                assert e.read("archive/" + n) == t.read("t/" + n), n
        assert all(i.compress_type == zipfile.ZIP_STORED for i in e.infolist())


def test_storage_records_are_64_byte_aligned(tmp_path):
    ember.save([ember.ones(n) for n in (1, 3, 17, 100)], tmp_path / "a.pt")
    raw = (tmp_path / "a.pt").read_bytes()
    with zipfile.ZipFile(tmp_path / "a.pt") as z:
        for info in z.infolist():
            name_len, extra_len = struct.unpack("<HH", raw[info.header_offset + 26:info.header_offset + 30])
            assert (info.header_offset + 30 + name_len + extra_len) % 64 == 0, info.filename


# ---- ember round trips ----------------------------------------------------------------------
def test_round_trip_nested_checkpoint(tmp_path):
    state = collections.OrderedDict(weight=ember.randn(2, 3), bias=ember.zeros(2))
    ckpt = {"state_dict": state, "epoch": 7, "optimizer": {"state": {0: {"step": ember.tensor(3.0),
                                                                         "exp_avg": ember.ones(2, 3)}},
                                                           "param_groups": [{"lr": 1e-3, "params": [0, 1],
                                                                             "betas": (0.9, 0.999)}]},
            "name": "lenet", "flags": [True, None, 1.5, b"raw"], "tags": {"a", "b"}, "nan": float("inf")}
    ember.save(ckpt, str(tmp_path / "c.pt"))
    got = ember.load(tmp_path / "c.pt")
    assert isinstance(got["state_dict"], collections.OrderedDict) and list(got["state_dict"]) == ["weight", "bias"]
    assert_equal(got["state_dict"]["weight"], state["weight"])
    assert_equal(got["optimizer"]["state"][0]["exp_avg"], ember.ones(2, 3))
    rest = {k: v for k, v in got.items() if k not in ("state_dict", "optimizer")}
    assert rest == {"epoch": 7, "name": "lenet", "flags": [True, None, 1.5, b"raw"], "tags": {"a", "b"},
                    "nan": float("inf")}
    assert got["optimizer"]["param_groups"] == ckpt["optimizer"]["param_groups"]


def test_round_trip_every_sample_keeps_layout(tmp_path):
    ours = samples()
    ember.save(ours, tmp_path / "s.pt")
    got = ember.load(tmp_path / "s.pt")
    for k, v in ours.items():
        assert_equal(got[k], v)
        assert got[k].stride() == v.stride() and got[k].storage_offset() == v.storage_offset()


def test_file_objects(tmp_path):
    buf = io.BytesIO()
    ember.save(ember.arange(3), buf)
    buf.seek(0)
    assert ember.load(buf).tolist() == [0, 1, 2]
    with open(tmp_path / "f.pt", "wb") as f:
        ember.save({"x": ember.ones(1)}, f)
    with open(tmp_path / "f.pt", "rb") as f:
        assert ember.load(f)["x"].tolist() == [1.0]
    assert ember.load(pathlib.Path(tmp_path / "f.pt"))["x"].tolist() == [1.0]


def test_strided_numpy_tensor_saves_all_it_reaches(tmp_path):
    t = ember.from_numpy(np.arange(10.0)[::3])
    ember.save(t, tmp_path / "n.pt")
    assert ember.load(tmp_path / "n.pt").tolist() == [0.0, 3.0, 6.0, 9.0]


class Holder:
    """Stands in for a whole model: an arbitrary class holding tensors."""

    def __init__(self):
        self.weight = ember.ones(2, 2)
        self.name = "holder"


def test_whole_objects_need_weights_only_false(tmp_path):
    ember.save(Holder(), tmp_path / "m.pt")
    with pytest.raises(pickle.UnpicklingError, match="Unsupported global: GLOBAL test_serialization.Holder"):
        ember.load(tmp_path / "m.pt")
    got = ember.load(tmp_path / "m.pt", weights_only=False)
    assert isinstance(got, Holder) and got.name == "holder" and got.weight.tolist() == [[1.0, 1.0], [1.0, 1.0]]


def test_map_location(tmp_path, monkeypatch):
    ember.save({"x": ember.arange(3.)}, tmp_path / "c.pt")
    pkl = zipfile.ZipFile(tmp_path / "c.pt").read("archive/data.pkl")
    cuda_pkl = pkl.replace(b"X\x03\x00\x00\x00cpu", b"X\x06\x00\x00\x00cuda:0")  # as saved on a GPU
    assert cuda_pkl != pkl
    rewrite(tmp_path / "c.pt", {"archive/data.pkl": cuda_pkl})
    if not ember.cuda.is_available():
        with pytest.raises(RuntimeError, match="map_location=ember.device\\('cpu'\\)"):
            ember.load(tmp_path / "c.pt")
    for m in ("cpu", ember.device("cpu"), {"cuda:0": "cpu"}, lambda storage, loc: storage):
        assert ember.load(tmp_path / "c.pt", map_location=m)["x"].tolist() == [0.0, 1.0, 2.0]
    seen = []
    ember.load(tmp_path / "c.pt", map_location=lambda storage, loc: seen.append(loc) or storage)
    assert seen == ["cuda:0"]


def test_big_endian_files_are_swapped(tmp_path):
    ember.save(ember.tensor([1.5, -2.0]), tmp_path / "b.pt")
    data = np.array([1.5, -2.0], dtype=">f4").tobytes()
    rewrite(tmp_path / "b.pt", {"archive/byteorder": b"big", "archive/data/0": data})
    assert ember.load(tmp_path / "b.pt").tolist() == [1.5, -2.0]


# ---- safety --------------------------------------------------------------------------------
class RunsCode:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def test_malicious_pickle_is_refused_naming_the_global(tmp_path):
    marker = tmp_path / "pwned"
    ember.save({"x": ember.ones(1)}, tmp_path / "evil.pt")
    rewrite(tmp_path / "evil.pt", {"archive/data.pkl": pickle.dumps({"x": RunsCode(marker)}, protocol=2)})
    with pytest.raises(pickle.UnpicklingError, match=r"GLOBAL posix\.system was not an allowed global") as e:
        ember.load(tmp_path / "evil.pt")
    assert "weights_only=False" in str(e.value)
    assert not marker.exists()


def test_a_bare_pickle_is_never_unpickled(tmp_path):
    marker = tmp_path / "pwned"
    (tmp_path / "raw.pt").write_bytes(pickle.dumps(RunsCode(marker), protocol=2))
    with pytest.raises(RuntimeError, match="not a checkpoint"):
        ember.load(tmp_path / "raw.pt")
    assert not marker.exists()


@pytest.mark.parametrize("payload", [
    b"cbuiltins\neval\n(X\x04\x00\x00\x001+1tR.",
    b"csubprocess\nPopen\n(X\x02\x00\x00\x00lstR.",
    b"ctorch._utils\n_rebuild_tensor_v2\n)R.",  # allowed name, bad arguments: an error, never a crash
])
def test_other_code_paths_are_refused(tmp_path, payload):
    ember.save(1, tmp_path / "p.pt")
    rewrite(tmp_path / "p.pt", {"archive/data.pkl": payload})
    with pytest.raises((pickle.UnpicklingError, TypeError)):
        ember.load(tmp_path / "p.pt")


def test_view_outside_its_storage_is_refused(tmp_path):
    ember.save(ember.ones(4), tmp_path / "v.pt")
    pkl = zipfile.ZipFile(tmp_path / "v.pt").read("archive/data.pkl")
    size = b"K\x04\x85"  # the size tuple (4,)
    assert pkl.count(size) == 1
    rewrite(tmp_path / "v.pt", {"archive/data.pkl": pkl.replace(size, b"K\x40\x85")})  # (64,) over 4 elements
    with pytest.raises(RuntimeError, match="does not fit its storage of 4 elements"):
        ember.load(tmp_path / "v.pt")


def test_an_expanded_tensor_cannot_stand_in_for_a_bigger_storage(tmp_path):
    # rebuild(rebuild(<storage of 1 float>, 0, (1000,), (0,)), 0, (1000,), (1,)) would read 999 floats
    # past the one that exists.
    rebuild, hooks = b"ctorch._utils\n_rebuild_tensor_v2\n", b"\x89ccollections\nOrderedDict\n)R"
    storage = b"(X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x01tQ"
    expanded = rebuild + b"(" + storage + b"K\x00M\xe8\x03\x85K\x00\x85" + hooks + b"tR"
    evil = b"\x80\x02" + rebuild + b"(" + expanded + b"K\x00M\xe8\x03\x85K\x01\x85" + hooks + b"tR."
    ember.save(ember.ones(1), tmp_path / "x.pt")
    rewrite(tmp_path / "x.pt", {"archive/data.pkl": evil})
    with pytest.raises(RuntimeError, match="does not fit its storage of 1 elements"):
        ember.load(tmp_path / "x.pt")
    rewrite(tmp_path / "x.pt", {"archive/data.pkl": b"\x80\x02" + expanded + b"."})
    assert ember.load(tmp_path / "x.pt").shape == (1000,)  # the inner view alone is legitimate


def test_storage_of_the_wrong_size_is_refused(tmp_path):
    ember.save(ember.ones(4), tmp_path / "s.pt")
    rewrite(tmp_path / "s.pt", {"archive/data/0": b"\x00" * 8})
    with pytest.raises(RuntimeError, match="storage 0 holds 8 bytes, expected 4 x 4"):
        ember.load(tmp_path / "s.pt")


@pytest.mark.parametrize("damage", ["truncate", "flip", "empty", "garbage", "no_pickle"])
def test_damaged_files_raise_runtime_error(tmp_path, damage):
    path = tmp_path / "d.pt"
    ember.save({"x": ember.arange(1000.)}, path)
    raw = bytearray(path.read_bytes())
    if damage == "truncate":
        raw = raw[:len(raw) // 2]
    elif damage == "flip":  # a byte of tensor data: the zip's CRC catches it
        with zipfile.ZipFile(path) as z:
            info = z.getinfo("archive/data/0")
        raw[info.header_offset + 30 + len(info.filename) + 200] ^= 0xFF
    elif damage == "empty":
        raw = b""
    elif damage == "garbage":
        raw = b"this is not a checkpoint" * 10
    path.write_bytes(bytes(raw))
    if damage == "no_pickle":
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("archive/version", b"3\n")
    with pytest.raises(RuntimeError):
        ember.load(path)


# ---- atomic writes --------------------------------------------------------------------------
class FailsToPickle:
    def __reduce__(self):
        raise RuntimeError("pickling failed midway")


def test_failed_save_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.pt"
    ember.save({"epoch": 1, "w": ember.ones(3)}, path)
    before = path.read_bytes()
    with pytest.raises(RuntimeError, match="pickling failed midway"):
        ember.save({"epoch": 2, "w": ember.zeros(1000), "bad": FailsToPickle()}, path)
    calls = []

    def fail_on_third(zf, name, data):  # dies while the archive is half written
        calls.append(name)
        if len(calls) == 3:
            raise OSError("disk full")
        return real(zf, name, data)

    real = serialization._write_record
    monkeypatch.setattr(serialization, "_write_record", fail_on_third)
    with pytest.raises(OSError, match="disk full"):
        ember.save({"epoch": 3, "w": ember.zeros(1000)}, path)
    assert path.read_bytes() == before and ember.load(path)["epoch"] == 1
    assert os.listdir(tmp_path) == ["ckpt.pt"]  # no temporary file left behind


def test_saved_file_gets_normal_permissions(tmp_path):
    ember.save(1, tmp_path / "p.pt")
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(tmp_path / "p.pt").st_mode & 0o777 == 0o666 & ~umask


# ---- plain pickling (multiprocessing, copy) -------------------------------------------------
def test_pickle_and_copy_of_tensors():
    t = ember.arange(12.).reshape(3, 4).t()
    back = pickle.loads(pickle.dumps(t))
    assert_equal(back, t)
    g = ember.ones(2, requires_grad=True)
    assert pickle.loads(pickle.dumps(g)).requires_grad
    deep = copy.deepcopy({"a": t})["a"]
    assert_equal(deep, t) and not deep._c.same_storage(t._c)


# ---- safetensors ----------------------------------------------------------------------------
def st_samples():
    return {"weight": ember.randn(3, 4), "bias": ember.zeros(4, dtype=ember.float64), "step": ember.tensor(7),
            "mask": ember.tensor([True, False]), "ids": ember.arange(5).int(), "img": ember.arange(6).to(ember.uint8),
            "empty": ember.zeros(0, 2), "view": ember.arange(12.).reshape(3, 4).t()}


def test_safetensors_round_trip(tmp_path):
    tensors = st_samples()
    safetensors.save_file(tensors, tmp_path / "m.safetensors", metadata={"format": "pt"})
    got = safetensors.load_file(tmp_path / "m.safetensors")
    assert sorted(got) == sorted(tensors)
    for k, v in tensors.items():
        assert_equal(got[k], v)
    assert safetensors.load(safetensors.save(tensors))["view"].tolist() == tensors["view"].tolist()


def test_safetensors_layout_by_hand():
    tensors = {"b": ember.tensor([1, 2], dtype=ember.int32), "a": ember.tensor([0.5], dtype=ember.float64)}
    data = safetensors.save(tensors, metadata={"k": "v"})
    header = (b'{"__metadata__":{"k":"v"},"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},'
              b'"b":{"dtype":"I32","shape":[2],"data_offsets":[8,16]}}')
    header += b" " * (-len(header) % 8)
    expected = struct.pack("<Q", len(header)) + header + struct.pack("<d", 0.5) + struct.pack("<2i", 1, 2)
    assert data == expected


def test_safetensors_matches_the_reference_package(tmp_path, torch):
    st = pytest.importorskip("safetensors.torch")
    tensors = st_samples()
    theirs = {k: torch.from_numpy(v.numpy().copy()) for k, v in tensors.items()}
    assert safetensors.save(tensors) == st.save(theirs)
    st.save_file(theirs, tmp_path / "t.safetensors", metadata={"a": "b"})
    got = safetensors.load_file(tmp_path / "t.safetensors")
    for k in tensors:
        assert_equal(got[k], tensors[k])
    back = st.load_file(str(tmp_path / "t.safetensors"))
    safetensors.save_file(tensors, tmp_path / "e.safetensors", metadata={"a": "b"})
    for k, v in st.load_file(str(tmp_path / "e.safetensors")).items():
        np.testing.assert_array_equal(v.numpy(), back[k].numpy())


@pytest.mark.parametrize("damage, match", [
    (lambda d: d[:4], "too short"),
    (lambda d: d[:len(d) - 3], "cover"),
    (lambda d: struct.pack("<Q", 10 ** 6) + d[8:], "does not fit"),
    (lambda d: d[:8] + b"[" + d[9:], "not valid JSON"),
    (lambda d: d.replace(b'"F32"', b'"F16"'), "F16"),
    (lambda d: d.replace(b"[0,16]", b"[0,12]"), "cover 12 bytes"),
    (lambda d: d.replace(b"[4]", b"[5]"), "does not match its data offsets"),
])
def test_safetensors_rejects_damaged_data(damage, match):
    data = safetensors.save({"x": ember.ones(4)})
    with pytest.raises(ValueError, match=match):
        safetensors.load(damage(data))


def test_safetensors_argument_checks():
    with pytest.raises(ValueError, match="metadata must be"):
        safetensors.save({"x": ember.ones(1)}, metadata={"a": 1})
    with pytest.raises(ValueError, match="tensors must be"):
        safetensors.save({"x": [1.0]})
