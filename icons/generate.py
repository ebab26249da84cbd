#!/usr/bin/env python3
"""Draws Bloom's app icon: writes icon.svg (the source of truth for designers)
and the PNG/ICO/ICNS sizes Tauri bundles, from the same geometry.

Run: python3 icons/generate.py   (needs Pillow: pip install pillow)
"""
import math
from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
BG_TOP, BG_BOTTOM = (63, 125, 99), (111, 174, 143)
PETAL, CENTER = (247, 246, 242), (232, 176, 75)
PETALS, RADIUS = 6, 0.22  # petal count; corner radius as a share of the side


def petal_geometry(size):
    c = size / 2
    length, width = size * 0.22, size * 0.13
    for i in range(PETALS):
        angle = 2 * math.pi * i / PETALS - math.pi / 2
        cx = c + math.cos(angle) * size * 0.17
        cy = c + math.sin(angle) * size * 0.17
        yield cx, cy, length, width, math.degrees(angle)


def svg():
    s = 1024
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{s}" height="{s}" viewBox="0 0 {s} {s}">',
        '<defs><linearGradient id="bg" x1="0" y1="0" x2="0" y2="1">'
        f'<stop offset="0" stop-color="rgb{BG_TOP}"/><stop offset="1" stop-color="rgb{BG_BOTTOM}"/>'
        '</linearGradient></defs>',
        f'<rect width="{s}" height="{s}" rx="{s * RADIUS:.0f}" fill="url(#bg)"/>',
    ]
    for cx, cy, length, width, deg in petal_geometry(s):
        parts.append(
            f'<ellipse cx="{cx:.1f}" cy="{cy:.1f}" rx="{length:.1f}" ry="{width:.1f}" '
            f'transform="rotate({deg:.1f} {cx:.1f} {cy:.1f})" fill="rgb{PETAL}" fill-opacity="0.92"/>'
        )
    parts.append(f'<circle cx="{s/2}" cy="{s/2}" r="{s*0.1:.0f}" fill="rgb{CENTER}"/>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def raster(size):
    ss = 4  # supersampling for smooth edges
    n = size * ss
    img = Image.new("RGBA", (n, n), (0, 0, 0, 0))
    grad = Image.new("RGBA", (n, n))
    gd = ImageDraw.Draw(grad)
    for y in range(n):
        t = y / (n - 1)
        gd.line([(0, y), (n, y)], fill=tuple(round(a + (b - a) * t) for a, b in zip(BG_TOP, BG_BOTTOM)) + (255,))
    mask = Image.new("L", (n, n), 0)
    ImageDraw.Draw(mask).rounded_rectangle([0, 0, n - 1, n - 1], radius=int(n * RADIUS), fill=255)
    img.paste(grad, (0, 0), mask)
    for cx, cy, length, width, deg in petal_geometry(n):
        layer = Image.new("RGBA", (n, n), (0, 0, 0, 0))
        ImageDraw.Draw(layer).ellipse([cx - length, cy - width, cx + length, cy + width], fill=PETAL + (235,))
        img = Image.alpha_composite(img, layer.rotate(-deg, center=(cx, cy), resample=Image.BICUBIC))
    d = ImageDraw.Draw(img)
    r = n * 0.1
    d.ellipse([n / 2 - r, n / 2 - r, n / 2 + r, n / 2 + r], fill=CENTER + (255,))
    return img.resize((size, size), Image.LANCZOS)


def main():
    (HERE / "icon.svg").write_text(svg())
    big = raster(1024)
    for name, size in {"32x32.png": 32, "64x64.png": 64, "128x128.png": 128,
                       "128x128@2x.png": 256, "icon.png": 512}.items():
        big.resize((size, size), Image.LANCZOS).save(HERE / name)
    big.save(HERE / "icon.ico", sizes=[(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (128, 128), (256, 256)])
    big.save(HERE / "icon.icns")
    print("icons written to", HERE)


if __name__ == "__main__":
    main()
