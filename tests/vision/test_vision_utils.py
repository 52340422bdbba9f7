"""make_grid and save_image (PNG read back with zlib, and with Pillow when it is installed)."""
import io
import struct
import zlib

import numpy as np
import pytest

import ember
from ember.vision import utils


def decode_png(data):
    """(pixels (H, W, C), colour type) of an 8-bit, unfiltered-or-not, non-interlaced PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        (length,), kind = struct.unpack(">I", data[pos:pos + 4]), data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        assert struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])[0] == zlib.crc32(kind + body)
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    assert kind == b"IEND"
    width, height, depth, color, _, _, interlace = header
    assert depth == 8 and interlace == 0
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[color]
    rows = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(height, 1 + width * channels)
    assert (rows[:, 0] == 0).all()  # filter type None on every row
    return rows[:, 1:].reshape(height, width, channels), color


def test_make_grid_layout():
    batch = ember.rand(5, 3, 4, 6)
    grid = utils.make_grid(batch, nrow=2, padding=1, pad_value=0.5)
    assert grid.shape == (3, 3 * 5 + 1, 2 * 7 + 1)
    np.testing.assert_array_equal(grid[:, 1:5, 8:14].numpy(), batch[1].numpy())  # row 0, column 1
    np.testing.assert_array_equal(grid[:, 11:15, 1:7].numpy(), batch[4].numpy())  # row 2, column 0
    assert (grid[:, 11:15, 8:14].numpy() == 0.5).all() and (grid[:, 0].numpy() == 0.5).all()


def test_make_grid_channels_and_single_images():
    grey = ember.rand(3, 1, 2, 2)
    grid = utils.make_grid(grey, padding=0)
    assert grid.shape == (3, 2, 6) and grid[0].tolist() == grid[2].tolist()
    assert utils.make_grid(ember.rand(1, 2, 2)).shape == (3, 2, 2)
    assert utils.make_grid(ember.rand(2, 2)).shape == (3, 2, 2)
    assert utils.make_grid([ember.rand(3, 2, 2), ember.rand(3, 2, 2)], padding=0).shape == (3, 2, 4)
    with pytest.raises(TypeError):
        utils.make_grid("not a tensor")


def test_make_grid_normalize():
    batch = ember.tensor([[[[0.0, 2.0]]], [[[4.0, 8.0]]]])
    together = utils.make_grid(batch, normalize=True, padding=0)
    assert together[0].tolist() == [[0.0, 0.25, 0.5, 1.0]]
    each = utils.make_grid(batch, normalize=True, scale_each=True, padding=0)
    assert each[0].tolist() == [[0.0, 1.0, 0.0, 1.0]]
    ranged = utils.make_grid(batch, normalize=True, value_range=(0.0, 4.0), padding=0)
    assert ranged[0].tolist() == [[0.0, 0.5, 1.0, 1.0]]
    assert batch[1, 0, 0, 1].item() == 8.0  # the input is untouched
    with pytest.raises(TypeError, match="value_range has to be a tuple"):
        utils.make_grid(batch, normalize=True, value_range=[0, 1])


def expected_pixels(grid):
    return np.clip(np.floor(grid.numpy().transpose(1, 2, 0) * 255 + 0.5), 0, 255).astype(np.uint8)


def test_save_image_png_reads_back(tmp_path):
    batch = ember.rand(4, 3, 5, 7)
    utils.save_image(batch, tmp_path / "grid.png", nrow=2)
    pixels, color = decode_png((tmp_path / "grid.png").read_bytes())
    assert color == 2
    np.testing.assert_array_equal(pixels, expected_pixels(utils.make_grid(batch, nrow=2)))


def test_save_image_channel_counts_and_file_objects():
    for channels, color in ((2, 4), (4, 6)):
        img = ember.rand(channels, 3, 3)
        buf = io.BytesIO()
        utils.save_image(img, buf)
        pixels, got = decode_png(buf.getvalue())
        assert got == color and pixels.shape == (3, 3, channels)
        np.testing.assert_array_equal(pixels, expected_pixels(img))
    with pytest.raises(ValueError, match="PNG only"):
        utils.save_image(ember.rand(3, 2, 2), "out.jpg")


def test_save_image_with_pillow(tmp_path):
    image = pytest.importorskip("PIL.Image")
    img = ember.rand(3, 6, 4)
    utils.save_image(img, tmp_path / "x.png")
    with image.open(tmp_path / "x.png") as loaded:
        assert loaded.mode == "RGB" and loaded.size == (4, 6)
        np.testing.assert_array_equal(np.asarray(loaded), expected_pixels(img))


def test_save_image_with_matplotlib(tmp_path):
    plt_image = pytest.importorskip("matplotlib.image")
    img = ember.rand(1, 5, 5)
    utils.save_image(img, tmp_path / "m.png")
    loaded = plt_image.imread(tmp_path / "m.png")
    np.testing.assert_allclose(loaded[..., :3], expected_pixels(utils.make_grid(img)) / 255.0, atol=1e-6)
