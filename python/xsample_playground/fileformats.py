"""PNG and .npy in pure Python (zlib + struct), JPEG and other formats through Pillow where it is installed."""
import ast
import io
import struct
import zlib

import torch


def decode_png(data):
    """8-bit grey, grey+alpha, RGB, RGBA or palette PNG (not interlaced) -> (H, W, 3) uint8 tensor."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, plte = 8, [], None
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
        elif kind == b"PLTE":
            plte = body
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    if depth != 8 or interlace:
        raise ValueError(f"PNG with bit depth {depth}, interlace {interlace} is not supported; use 8-bit, not interlaced")
    ch = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[ctype]
    raw = zlib.decompress(b"".join(idat))
    stride = w * ch
    out = bytearray(h * stride)
    prev = bytearray(stride)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if f == 1:
            for i in range(ch, stride):
                line[i] = (line[i] + line[i - ch]) & 255
        elif f == 2:
            for i in range(stride):
                line[i] = (line[i] + prev[i]) & 255
        elif f == 3:
            for i in range(stride):
                left = line[i - ch] if i >= ch else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 255
        elif f == 4:
            for i in range(stride):
                a = line[i - ch] if i >= ch else 0
                b = prev[i]
                c = prev[i - ch] if i >= ch else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pr) & 255
        out[y * stride:(y + 1) * stride] = line
        prev = line
    t = torch.frombuffer(out, dtype=torch.uint8).reshape(h, w, ch)
    if ctype == 3:
        pal = torch.frombuffer(bytearray(plte), dtype=torch.uint8).reshape(-1, 3)
        return pal[t[..., 0].long()].clone()
    if ch in (2, 4):  # over a white background, as the app's decoder draws transparent images
        a = t[..., -1:].to(torch.float32) / 255
        rgb = t[..., :1].expand(h, w, 3) if ch == 2 else t[..., :3]
        return (rgb.to(torch.float32) * a + 255 * (1 - a)).round().clamp(0, 255).to(torch.uint8)
    if ch == 1:
        return t[..., :1].expand(h, w, 3).clone()
    return t[..., :3].clone()


def encode_png(img):
    """(H, W, 3) uint8 tensor -> PNG bytes (filter 0)."""
    h, w, _ = img.shape
    rows = bytes(img.contiguous().reshape(-1).tolist())
    raw = b"".join(b"\x00" + rows[y * w * 3:(y + 1) * w * 3] for y in range(h))

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def decode_image(data, name):
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return decode_png(data)
    try:
        from PIL import Image  # optional, for JPEG
    except ImportError as e:
        raise RuntimeError(f"{name}: decoding this image needs Pillow (pip install pillow); PNG needs nothing") from e
    im = Image.open(io.BytesIO(data))
    if im.mode in ("RGBA", "LA", "P", "PA"):
        im = im.convert("RGBA")
        bg = Image.new("RGBA", im.size, (255, 255, 255, 255))
        im = Image.alpha_composite(bg, im)
    im = im.convert("RGB")
    return torch.tensor(list(im.tobytes()), dtype=torch.uint8).reshape(im.height, im.width, 3)


def read_npy(data):
    """A float .npy (little-endian f4/f8, C order) -> float32 tensor."""
    if data[:6] != b"\x93NUMPY":
        raise ValueError("not a .npy file")
    major = data[6]
    if major == 1:
        (n,) = struct.unpack("<H", data[8:10])
        start = 10
    else:
        (n,) = struct.unpack("<I", data[8:12])
        start = 12
    header = ast.literal_eval(data[start:start + n].decode("latin1"))  # a dict literal; never evaluated as code
    if not isinstance(header, dict) or "descr" not in header or "shape" not in header:
        raise ValueError(".npy header is not a dict with descr and shape")
    descr, shape = header["descr"], tuple(header["shape"])
    if header.get("fortran_order"):
        raise ValueError(".npy in Fortran order is not supported")
    dt = {"<f4": torch.float32, "<f8": torch.float64, "|u1": torch.uint8, "<i4": torch.int32}[descr]
    body = bytearray(data[start + n:])
    t = torch.frombuffer(body, dtype=dt) if body else torch.zeros(0, dtype=dt)
    return t.reshape(shape).to(torch.float32)


def write_npy(t):
    t = t.detach().to(torch.float32).contiguous()
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }" % "".join(f"{s}," for s in t.shape)
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    flat = t.reshape(-1)
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin1") + struct.pack(f"<{flat.numel()}f", *flat.tolist())
