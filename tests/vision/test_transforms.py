"""Transforms against torchvision's semantics (PyTorch's interpolate and pad as the reference)."""
import numpy as np
import pytest

import ember
from ember.vision import transforms
from ember.vision.transforms import functional as F
from ember.vision.transforms import transforms as T


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


@pytest.fixture
def pil():
    return pytest.importorskip("PIL.Image")


def img_u8(c=None, h=7, w=9):
    shape = (h, w) if c is None else (c, h, w)
    return ember.from_numpy(np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8))


# ---- ToTensor / Normalize ------------------------------------------------------------------
def test_to_tensor_numpy():
    hw = np.arange(12, dtype=np.uint8).reshape(3, 4)
    t = transforms.ToTensor()(hw)
    assert t.shape == (1, 3, 4) and t.dtype is ember.float32
    np.testing.assert_allclose(t.numpy()[0], hw / 255, rtol=1e-6)
    hwc = np.arange(24, dtype=np.uint8).reshape(2, 4, 3)
    np.testing.assert_array_equal(F.to_tensor(hwc).numpy(), np.float32(hwc.transpose(2, 0, 1)) / np.float32(255))
    floats = np.full((2, 2), 7.0, dtype=np.float64)
    assert F.to_tensor(floats).dtype is ember.float64 and F.to_tensor(floats).max().item() == 7.0  # not scaled


def test_to_tensor_uint8_tensors():
    assert F.to_tensor(img_u8()).shape == (1, 7, 9)
    chw = img_u8(3)
    np.testing.assert_array_equal(F.to_tensor(chw).numpy(), chw.numpy() / np.float32(255))
    with pytest.raises(TypeError, match="uint8 tensor image"):
        F.to_tensor(ember.ones(2, 2))
    with pytest.raises(TypeError, match="pic should be PIL Image or ndarray"):
        F.to_tensor([1, 2])
    with pytest.raises(ValueError, match="2/3 dimensional"):
        F.to_tensor(np.zeros((1, 1, 1, 1), np.uint8))


def test_to_tensor_follows_default_dtype():
    ember.set_default_dtype(ember.float64)
    try:
        assert F.to_tensor(np.zeros((2, 2), np.uint8)).dtype is ember.float64
    finally:
        ember.set_default_dtype(ember.float32)


def test_to_tensor_pil(pil):
    rgb = np.random.default_rng(1).integers(0, 256, (5, 6, 3), dtype=np.uint8)
    t = F.to_tensor(pil.fromarray(rgb))
    assert t.shape == (3, 5, 6)
    np.testing.assert_array_equal(t.numpy(), np.float32(rgb.transpose(2, 0, 1)) / np.float32(255))
    grey = pil.fromarray(rgb[:, :, 0])
    np.testing.assert_array_equal(F.to_tensor(grey).numpy()[0], np.float32(rgb[:, :, 0]) / np.float32(255))
    assert F.to_tensor(grey.convert("1")).max().item() == 1.0
    ints = F.to_tensor(grey.convert("I"))
    assert ints.dtype is ember.int32 and ints.max().item() == rgb[:, :, 0].max()
    assert F.to_tensor(grey.convert("F")).dtype is ember.float32


def test_normalize():
    x = ember.rand(3, 4, 5)
    out = transforms.Normalize([0.5, 0.4, 0.3], [0.2, 0.3, 0.4])(x)
    ref = (x.numpy() - np.float32([0.5, 0.4, 0.3])[:, None, None]) / np.float32([0.2, 0.3, 0.4])[:, None, None]
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-6)
    batch = ember.rand(2, 3, 4, 5)
    np.testing.assert_allclose(F.normalize(batch, [0.5] * 3, [0.2] * 3)[1].numpy(),
                               F.normalize(batch[1], [0.5] * 3, [0.2] * 3).numpy())
    y = x.clone()
    assert F.normalize(y, [0.1] * 3, [1.0] * 3, inplace=True) is y and not np.array_equal(y.numpy(), x.numpy())
    with pytest.raises(ValueError, match="std evaluated to zero"):
        F.normalize(x, [0.0] * 3, [0.0] * 3)
    with pytest.raises(TypeError, match="Input tensor should be a float tensor"):
        F.normalize(img_u8(3), [0.0] * 3, [1.0] * 3)
    with pytest.raises(ValueError, match=r"Expected tensor to be a tensor image of size \(..., C, H, W\)"):
        F.normalize(ember.rand(4, 5), [0.0], [1.0])


# ---- Resize --------------------------------------------------------------------------------
@pytest.mark.parametrize("size", [(14, 14), (10, 7), (3, 4), (12, 30), (28, 5)])
@pytest.mark.parametrize("antialias", [True, False])
def test_resize_float_matches_torch_interpolate(torch, size, antialias):
    x = ember.rand(2, 3, 28, 21, dtype=ember.float64)
    ours = transforms.Resize(size, antialias=antialias)(x)
    theirs = torch.nn.functional.interpolate(torch.from_numpy(x.numpy()), size=size, mode="bilinear",
                                             align_corners=False, antialias=antialias)
    assert ours.dtype is ember.float64
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-10, atol=1e-12)


def test_resize_uint8_rounds(torch):
    x = img_u8(1, 28, 28)
    ours = F.resize(x, [10, 10])
    ref = torch.nn.functional.interpolate(torch.from_numpy(x.numpy()[None].astype(np.float32)), size=(10, 10),
                                          mode="bilinear", antialias=True).round()[0]
    assert ours.dtype is ember.uint8
    assert np.abs(ours.numpy().astype(int) - ref.numpy().astype(int)).max() <= 1


def test_resize_size_rules():
    x = ember.rand(1, 20, 30)
    assert F.resize(x, 10).shape == (1, 10, 15) and F.resize(x, [10]).shape == (1, 10, 15)
    assert F.resize(ember.rand(30, 20), 10).shape == (15, 10)
    assert F.resize(x, 10, max_size=12).shape == (1, 8, 12)
    assert F.resize(x, [5, 6]).shape == (1, 5, 6)
    assert F.resize(x, [20, 30]) is x
    with pytest.raises(ValueError, match="max_size = 10 must be strictly greater"):
        F.resize(x, 10, max_size=10)
    with pytest.raises(TypeError, match="Size should be int or sequence"):
        transforms.Resize(2.5)
    with pytest.raises(ValueError, match="it should have 1 or 2 values"):
        transforms.Resize([1, 2, 3])
    with pytest.raises(ValueError, match="only bilinear"):
        F.resize(x, 5, interpolation=transforms.InterpolationMode.NEAREST)


def test_resize_pil_is_close_to_tensor_path(pil):
    arr = np.random.default_rng(2).integers(0, 256, (28, 28), dtype=np.uint8)
    out = F.resize(pil.fromarray(arr), 14)
    assert out.size == (14, 14)
    tensor_path = F.resize(ember.from_numpy(arr), 14).numpy().astype(int)
    assert np.abs(np.asarray(out).astype(int) - tensor_path).max() <= 1


# ---- crops, flips, pads --------------------------------------------------------------------
def test_center_crop_like_torchvision():
    x = ember.arange(7 * 9).reshape(1, 7, 9)
    assert F.center_crop(x, 3).tolist() == x[:, 2:5, 3:6].tolist()
    assert F.center_crop(x, [4, 5]).tolist() == x[:, 2:6, 2:7].tolist()  # round((7 - 4) / 2) == 2
    big = transforms.CenterCrop((9, 10))(x)
    assert big.shape == (1, 9, 10) and big[:, 1:8, 0:9].tolist() == x.tolist() and big[:, 0].sum().item() == 0


def test_crop_outside_the_image_is_zero():
    x = ember.ones(1, 3, 3)
    out = F.crop(x, -1, 1, 3, 4)
    assert out.shape == (1, 3, 4) and out.sum().item() == 4.0 and out[0, 0].sum().item() == 0


def test_random_crop_reproducible_and_padded():
    x = ember.arange(100.).reshape(1, 10, 10)
    crop = transforms.RandomCrop(6, padding=2)
    ember.manual_seed(3)
    a = crop(x)
    ember.manual_seed(3)
    b = crop(x)
    assert a.shape == (1, 6, 6) and a.tolist() == b.tolist()
    padded = F.pad(x, 2).numpy()[0]
    windows = [padded[i:i + 6, j:j + 6].tolist() for i in range(9) for j in range(9)]
    assert a.numpy()[0].tolist() in windows
    assert transforms.RandomCrop(12, pad_if_needed=True)(x).shape == (1, 12, 12)
    with pytest.raises(ValueError, match=r"Required crop size \(12, 12\) is larger than input image size \(10, 10\)"):
        transforms.RandomCrop(12)(x)
    assert transforms.RandomCrop(10)(x).tolist() == x.tolist()


def test_random_horizontal_flip():
    x = ember.arange(6.).reshape(1, 2, 3)
    assert transforms.RandomHorizontalFlip(p=1.0)(x).tolist() == [[[2.0, 1.0, 0.0], [5.0, 4.0, 3.0]]]
    assert transforms.RandomHorizontalFlip(p=0.0)(x) is x
    flip = transforms.RandomHorizontalFlip()
    ember.manual_seed(0)
    first = [flip(x)[0, 0, 0].item() for _ in range(20)]
    ember.manual_seed(0)
    assert [flip(x)[0, 0, 0].item() for _ in range(20)] == first and set(first) == {0.0, 2.0}


@pytest.mark.parametrize("padding", [1, [2], [1, 2], [1, 2, 3, 0]])
@pytest.mark.parametrize("mode, torch_mode", [("constant", "constant"), ("edge", "replicate"),
                                              ("reflect", "reflect")])
def test_pad_matches_torch(torch, padding, mode, torch_mode):
    x = ember.rand(2, 5, 6)
    ours = transforms.Pad(padding, fill=0.5, padding_mode=mode)(x)
    left, top, right, bottom = F._ltrb(padding)
    kwargs = {"value": 0.5} if mode == "constant" else {}
    theirs = torch.nn.functional.pad(torch.from_numpy(x.numpy()), (left, right, top, bottom), mode=torch_mode, **kwargs)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_pad_symmetric_negative_and_uint8():
    x = img_u8(None, 4, 5)
    np.testing.assert_array_equal(F.pad(x, [1, 2], padding_mode="symmetric").numpy(),
                                  np.pad(x.numpy(), ((2, 2), (1, 1)), mode="symmetric"))
    assert F.pad(x, [-1, 0, 1, -2]).shape == (2, 5)
    filled = F.pad(x, 1, fill=300 % 256)
    assert filled.dtype is ember.uint8 and filled[0, 0].item() == 44
    with pytest.raises(RuntimeError, match="Padding size should be less than"):
        F.pad(x, 4, padding_mode="reflect")


def test_pad_argument_checks():
    with pytest.raises(TypeError, match="Got inappropriate padding arg"):
        transforms.Pad("1")
    with pytest.raises(ValueError, match="Padding must be an int or a 1, 2, or 4 element tuple, not a 3 element"):
        transforms.Pad([1, 2, 3])
    with pytest.raises(ValueError, match="Padding mode should be either constant, edge, reflect or symmetric"):
        transforms.Pad(1, padding_mode="wrap")
    with pytest.raises(TypeError, match="Got inappropriate fill arg"):
        transforms.Pad(1, fill="x")


def test_pil_geometry(pil):
    arr = np.random.default_rng(3).integers(0, 256, (6, 8, 3), dtype=np.uint8)
    img = pil.fromarray(arr)
    np.testing.assert_array_equal(np.asarray(F.hflip(img)), arr[:, ::-1])
    np.testing.assert_array_equal(np.asarray(F.center_crop(img, 4)), arr[1:5, 2:6])
    np.testing.assert_array_equal(np.asarray(F.pad(img, [1, 2], padding_mode="reflect")),
                                  np.pad(arr, ((2, 2), (1, 1), (0, 0)), mode="reflect"))
    padded = np.asarray(F.pad(img, 1, fill=7))
    assert padded.shape == (8, 10, 3) and (padded[0] == 7).all()
    ember.manual_seed(0)
    assert transforms.RandomCrop(4, padding=1)(img).size == (4, 4)
    assert F.get_dimensions(img) == [3, 6, 8]


# ---- Lambda, Compose, reprs, batching ------------------------------------------------------------
def test_lambda_and_compose():
    double = transforms.Lambda(lambda x: x * 2)
    assert transforms.Compose([double, double])(ember.ones(1)).item() == 4.0
    with pytest.raises(TypeError, match="Argument lambd should be callable, got 'int'"):
        transforms.Lambda(3)


def test_reprs_match_torchvision():
    assert repr(transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])) == \
        "Compose(\n    ToTensor()\n    Normalize(mean=(0.1307,), std=(0.3081,))\n)"
    assert repr(transforms.Resize(32)) == "Resize(size=32, interpolation=bilinear, max_size=None, antialias=True)"
    assert repr(transforms.CenterCrop(10)) == "CenterCrop(size=(10, 10))"
    assert repr(transforms.RandomCrop(32, padding=4)) == "RandomCrop(size=(32, 32), padding=4)"
    assert repr(transforms.RandomHorizontalFlip()) == "RandomHorizontalFlip(p=0.5)"
    assert repr(transforms.Pad(2)) == "Pad(padding=2, fill=0, padding_mode=constant)"
    assert repr(transforms.Lambda(abs)) == "Lambda()"


def test_batched_equals_per_sample():
    pipeline = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.25,))])
    fn = T.batched(pipeline)
    samples = [img_u8(None, 4, 4), img_u8(None, 4, 4) // 2]
    batch = fn(ember.stack(samples))
    for i, s in enumerate(samples):
        np.testing.assert_array_equal(batch[i].numpy(), pipeline(s).numpy())
    assert T.batched(None)(samples[0]) is samples[0]
    assert T.batched(transforms.Compose([transforms.ToTensor(), transforms.RandomHorizontalFlip()])) is None

    class MyToTensor(transforms.ToTensor):
        pass

    assert T.batched(MyToTensor()) is None and T.batched(transforms.Lambda(abs)) is None


def test_wants_pil(monkeypatch):
    monkeypatch.setattr(T, "_pillow_available", lambda: True)
    assert not T.wants_pil(None) and not T.wants_pil(transforms.ToTensor())
    assert not T.wants_pil(transforms.Compose([transforms.Resize(3), transforms.ToTensor()]))
    assert not T.wants_pil(transforms.Compose([]))
    assert T.wants_pil(lambda img: img) and T.wants_pil(transforms.Compose([transforms.Lambda(abs)]))
    monkeypatch.setattr(T, "_pillow_available", lambda: False)
    assert not T.wants_pil(lambda img: img)
