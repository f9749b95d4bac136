"""The demo's photographs, drawn procedurally (numpy + Pillow) on photographic textures, distinct per
object and seeded."""

import io
import math
import random

import numpy as np
from PIL import Image, ImageDraw

_backdrop: list = [None]  # the last backdrop _canvas made: where a drawing left it unchanged is not the object


def _canvas(rng, size, base):
    """A photographer's backdrop: a soft vertical gradient with a little grain."""
    w, h = size
    nrng = np.random.default_rng(rng.getrandbits(32))
    top, bottom = np.array(base[0], np.int32), np.array(base[1], np.int32)
    ramp = (np.arange(h, dtype=np.int32)[:, None] * 256 // h)[:, :, None]  # 0..255 down the picture
    gradient = top + ((bottom - top) * ramp) // 256  # (h, 1, 3)
    grain = nrng.integers(-5, 6, (h, w, 1), dtype=np.int32)
    _backdrop[0] = np.clip(gradient + grain, 0, 255).astype(np.uint8)
    return Image.fromarray(_backdrop[0])


def _coin(rng, metal):
    img = _canvas(rng, (560, 560), ((70, 70, 78), (30, 30, 36)))
    d = ImageDraw.Draw(img)
    cx, cy, r = 280 + rng.randint(-20, 20), 280 + rng.randint(-20, 20), rng.randint(180, 230)
    dark = tuple(max(0, c - 70) for c in metal)
    d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=metal, outline=dark, width=10)
    d.ellipse((cx - r + 28, cy - r + 28, cx + r - 28, cy + r - 28), outline=dark, width=3)
    # Marginal legend: short strokes around the rim, like letters of a Kufic legend.
    for k in range(rng.randint(28, 44)):
        a = 2 * math.pi * k / 44 + rng.uniform(-0.03, 0.03)
        rr = r - 16
        x, y = cx + rr * math.cos(a), cy + rr * math.sin(a)
        length = rng.randint(5, 12)
        d.line((x, y, x - length * math.cos(a), y - length * math.sin(a)), fill=dark, width=3)
    # Field: three lines of legend.
    for line in range(3):
        y = cy - 60 + line * 60
        x = cx - r + 70
        while x < cx + r - 80:
            seg = rng.randint(8, 40)
            d.line((x, y, x + seg, y), fill=dark, width=5)
            if rng.random() < 0.5:
                d.line((x + seg, y, x + seg, y - rng.randint(10, 28)), fill=dark, width=4)
            x += seg + rng.randint(6, 14)
    if rng.random() < 0.3:  # a piercing hole
        d.ellipse((cx - 8, cy - r + 12, cx + 8, cy - r + 28), fill=(30, 30, 36))
    return img


def _tile(rng):
    size = 560
    img = _canvas(rng, (size, size), ((225, 220, 205), (200, 195, 180)))
    d = ImageDraw.Draw(img)
    ground = rng.choice(((238, 230, 205), (250, 245, 230)))
    lustre = rng.choice(((150, 95, 40), (170, 110, 50), (120, 80, 40)))
    blue = rng.choice(((30, 70, 160), (20, 110, 150)))
    m, n = 40, rng.choice((6, 8, 12))
    d.rectangle((m, m, size - m, size - m), fill=ground, outline=blue, width=14)
    c = size / 2
    for ring in range(rng.randint(2, 4)):
        rad = 200 - ring * rng.randint(35, 55)
        pts = []
        for k in range(2 * n):
            a = math.pi * k / n + rng.uniform(-0.02, 0.02)
            rr = rad if k % 2 == 0 else rad * rng.uniform(0.45, 0.7)
            pts.append((c + rr * math.cos(a), c + rr * math.sin(a)))
        d.polygon(pts, outline=lustre if ring % 2 == 0 else blue, width=5)
    for _ in range(rng.randint(15, 40)):
        x, y, s = rng.randint(60, size - 60), rng.randint(60, size - 60), rng.randint(4, 12)
        d.ellipse((x - s, y - s, x + s, y + s), fill=lustre)
    if rng.random() < 0.5:  # a chipped corner
        d.polygon(((m, m), (m + 70, m), (m, m + 50)), fill=(205, 200, 185))
    return img


def _manuscript(rng, kufic):
    w, h = (640, 440) if kufic else (440, 620)
    img = _canvas(rng, (w, h), ((60, 50, 45), (40, 34, 30)))
    d = ImageDraw.Draw(img)
    page = (232, 214, 176) if kufic else (240, 228, 200)
    d.rectangle((30, 30, w - 30, h - 30), fill=page)
    lines = rng.randint(5, 7) if kufic else rng.randint(13, 19)
    top, bottom = 70, h - 70
    step = (bottom - top) / lines
    ink = (60, 40, 25) if kufic else (20, 15, 10)
    for k in range(lines):
        y = top + k * step + step / 2
        x = w - 70  # right to left
        while x > 70:
            seg = rng.randint(10, 60 if kufic else 35)
            d.line((x - seg, y, x, y), fill=ink, width=7 if kufic else 3)
            if rng.random() < 0.35:
                d.line((x - seg, y, x - seg, y - step * 0.5), fill=ink, width=5 if kufic else 2)
            if kufic and rng.random() < 0.25:
                d.ellipse((x - 6, y - 20, x + 2, y - 12), fill=(170, 30, 25))  # red vowel dots
            x -= seg + rng.randint(8, 22)
        if rng.random() < 0.2:
            d.ellipse((60, y - 9, 78, y + 9), fill=(200, 160, 50))  # verse rosette in gold
    if not kufic:
        d.rectangle((60, 50, w - 60, 62), fill=(30, 60, 140))
    return img


def _vessel(rng, glass):
    img = _canvas(rng, (480, 600), ((200, 200, 205), (150, 150, 158)))
    d = ImageDraw.Draw(img)
    colour = rng.choice(((190, 160, 90), (150, 110, 60), (90, 130, 120))) if not glass else \
        rng.choice(((120, 170, 160), (180, 150, 90), (200, 200, 170)))
    cx = 240
    profile = [rng.randint(40, 60), rng.randint(30, 45), rng.randint(100, 160), rng.randint(90, 150),
               rng.randint(50, 80)]
    ys = [100, 190, 330, 450, 540]
    left = [(cx - r, y) for r, y in zip(profile, ys, strict=True)]
    right = [(cx + r, y) for r, y in reversed(list(zip(profile, ys, strict=True)))]
    d.polygon(left + right, fill=colour, outline=tuple(c - 50 for c in colour))
    d.rectangle((cx - profile[1] + 5, 300, cx + profile[1] - 5, 318), fill=tuple(c - 60 for c in colour))
    for k in range(rng.randint(4, 9)):
        y = 340 + k * 12
        d.line((cx - 90, y, cx + 90, y), fill=tuple(min(255, c + 40) for c in colour), width=2)
    return img


def _lamp(rng):
    img = _canvas(rng, (600, 420), ((190, 185, 175), (140, 135, 125)))
    d = ImageDraw.Draw(img)
    clay = rng.choice(((170, 100, 60), (185, 125, 80), (150, 95, 60)))
    cx, cy = 280, 220
    d.ellipse((cx - 150, cy - 100, cx + 150, cy + 100), fill=clay, outline=(100, 60, 35), width=4)
    d.polygon(((cx + 120, cy - 40), (cx + 250, cy - 25), (cx + 250, cy + 25), (cx + 120, cy + 40)), fill=clay)
    d.ellipse((cx + 215, cy - 18, cx + 245, cy + 18), fill=(40, 30, 25))
    d.ellipse((cx - 60, cy - 45, cx + 60, cy + 45), outline=(110, 65, 40), width=5)
    for k in range(rng.randint(6, 12)):
        a = 2 * math.pi * k / 12
        d.ellipse((cx + 90 * math.cos(a) - 6, cy + 65 * math.sin(a) - 6, cx + 90 * math.cos(a) + 6,
                   cy + 65 * math.sin(a) + 6), fill=(120, 70, 45))
    return img


def _stele(rng):
    img = _canvas(rng, (420, 620), ((120, 120, 120), (80, 80, 80)))
    d = ImageDraw.Draw(img)
    stone = rng.choice(((225, 222, 214), (210, 200, 180)))
    d.rounded_rectangle((50, 40, 370, 590), radius=rng.randint(20, 120), fill=stone)
    for k in range(rng.randint(8, 13)):
        y = 110 + k * 36
        x = 330
        while x > 90:
            seg = rng.randint(12, 45)
            d.line((x - seg, y, x, y), fill=(140, 130, 115), width=6)
            if rng.random() < 0.4:
                d.line((x - seg, y, x - seg - 6, y - 22), fill=(140, 130, 115), width=4)
            x -= seg + rng.randint(8, 16)
    return img


def _carpet(rng):
    w, h = 440, 640
    nrng = np.random.default_rng(rng.getrandbits(32))
    field_colour = np.array(rng.choice(((150, 30, 35), (30, 45, 110), (120, 40, 30))), float)
    yy, xx = np.mgrid[0:h, 0:w]
    cx, cy = w / 2, h / 2
    # Lozenge medallion and a repeating lattice, as in a knotted field.
    medallion = (np.abs(xx - cx) / 120 + np.abs(yy - cy) / 180) < 1
    lattice = ((xx + yy) % rng.choice((40, 48, 56)) < 4) | ((xx - yy) % rng.choice((40, 48, 56)) < 4)
    img = np.broadcast_to(field_colour, (h, w, 3)).copy()
    img[lattice] = (220, 190, 120)
    img[medallion] = (230, 210, 160)
    border = (xx < 40) | (xx > w - 40) | (yy < 40) | (yy > h - 40)
    img[border] = (30, 40, 70)
    img += nrng.integers(-10, 11, (h, w, 1))
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))


def _seal(rng):
    img = _canvas(rng, (600, 360), ((205, 200, 190), (170, 165, 155)))
    d = ImageDraw.Draw(img)
    colour = rng.choice(((60, 60, 70), (40, 60, 130)))
    d.rounded_rectangle((80, 80, 330, 280), radius=30, fill=colour)
    # The rolled-out impression beside the seal: figures as vertical strokes.
    d.rectangle((360, 90, 570, 270), fill=(190, 150, 110))
    for _ in range(rng.randint(4, 7)):
        x = rng.randint(380, 550)
        d.line((x, 120, x, 240), fill=(120, 85, 60), width=6)
        d.ellipse((x - 10, 100, x + 10, 122), fill=(120, 85, 60))
    return img


def _astrolabe(rng):
    img = _coin(rng, rng.choice(((185, 150, 80), (170, 130, 70))))
    d = ImageDraw.Draw(img)
    for _ in range(rng.randint(6, 12)):
        a = rng.uniform(0, 2 * math.pi)
        d.line((280, 280, 280 + 170 * math.cos(a), 280 + 170 * math.sin(a)), fill=(90, 60, 25), width=4)
    d.rectangle((262, 40, 298, 80), fill=(160, 120, 60))  # the throne
    return img


def _draw(kind: str, rng: random.Random) -> Image.Image:
    return {
        "coin-gold": lambda: _coin(rng, rng.choice(((212, 175, 55), (200, 165, 60), (225, 190, 80)))),
        "coin-silver": lambda: _coin(rng, rng.choice(((190, 190, 195), (170, 170, 178)))),
        "tile": lambda: _tile(rng),
        "manuscript-kufic": lambda: _manuscript(rng, True),
        "manuscript-naskh": lambda: _manuscript(rng, False),
        "vessel": lambda: _vessel(rng, rng.random() < 0.5),
        "lamp": lambda: _lamp(rng),
        "stele": lambda: _stele(rng),
        "carpet": lambda: _carpet(rng),
        "seal": lambda: _seal(rng),
        "astrolabe": lambda: _astrolabe(rng),
    }[kind]()


_TEXTURES: list[np.ndarray] = []


def _textures() -> list[np.ndarray]:
    """Photographs of real surfaces (CC0, turath/data/demo-textures), grey, 0..1."""
    if not _TEXTURES:
        from turath.data import DEMO_TEXTURES

        _TEXTURES.extend(np.asarray(Image.open(p).convert("L"), np.float32) / 255
                         for p in sorted(DEMO_TEXTURES.glob("*.jpg")))
    return _TEXTURES


def _texture(rng: random.Random, size: tuple[int, int]) -> np.ndarray:
    """A (h, w) field of zero mean, unit spread: a crop of one photographed surface, turned by any
    angle and rescaled, times another: the product of two random crops is unlike any other image's,
    so two demo objects never share texture that a matcher could confuse."""
    w, h = size
    out = np.ones((h, w), np.float32)
    for tex in rng.sample(_textures(), 2):
        side = rng.randint(200, 360)
        x, y = rng.randint(0, tex.shape[1] - side), rng.randint(0, tex.shape[0] - side)
        patch = Image.fromarray((tex[y:y + side, x:x + side] * 255).astype(np.uint8))
        patch = patch.rotate(rng.uniform(0, 360), resample=Image.Resampling.BILINEAR, expand=False)
        inner = int(side * 0.7)  # the rotation's corners are empty: keep the middle
        off = (side - inner) // 2
        patch = patch.crop((off, off, off + inner, off + inner))
        if rng.random() < 0.5:
            patch = patch.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        a = np.asarray(patch.resize((w, h), Image.Resampling.BICUBIC), np.float32)
        out *= a * np.float32(1 / 255) + np.float32(0.5)
    sample = out[::4, ::4]  # the spread of a sixteenth of the pixels is the spread of all of them
    out -= sample.mean()
    out *= np.float32(1 / (sample.std() + 1e-6))
    return out


def draw_image(kind: str, rng: random.Random) -> Image.Image:
    """An object drawn procedurally, then given the texture of a photographed surface (strong on
    the object, faint on the backdrop) and the uneven light of a photograph, so that a phone
    photo of it has detail to be recognised by."""
    _backdrop[0] = None
    drawn = _draw(kind, rng)
    backdrop, _backdrop[0] = _backdrop[0], None
    # Where the object is: what the drawing changed on its backdrop (a carpet has none: all of it).
    mask = np.any(np.asarray(drawn) != backdrop, axis=2) if backdrop is not None else None
    w, h = drawn.size
    tex = _texture(rng, (w, h))
    tex *= np.where(mask, np.float32(0.28), np.float32(0.05)) if mask is not None else np.float32(0.28)
    tex += np.float32(1)
    a = rng.uniform(0, 2 * math.pi)
    across = np.linspace(-0.06, 0.06, w, dtype=np.float32) * np.float32(math.cos(a))
    down = np.linspace(-0.06, 0.06, h, dtype=np.float32) * np.float32(math.sin(a))
    tex *= np.float32(1) + across[None, :] + down[:, None]  # light falling from one side
    out = np.asarray(drawn, np.float32) * tex[:, :, None]
    return Image.fromarray(np.clip(out, 0, 255, out=out).astype(np.uint8))


def image_bytes(kind: str, rng: random.Random) -> bytes:
    out = io.BytesIO()
    draw_image(kind, rng).save(out, "JPEG", quality=82)
    return out.getvalue()
