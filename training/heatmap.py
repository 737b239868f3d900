#!/usr/bin/python3
"""Affinity matrices of a Catbrush profile as heat-map images (for the docs):

    heatmap.py PROFILE.json -o OUT.png [--prior seg|text|vision] [--title T]

Rows are the target classes, columns the source classes, each cell coloured
by its value (0 dark blue to 1 yellow, a viridis-like ramp) and labelled
with two decimals; each row's largest value is outlined.  Without --prior,
the profile's combined matrix; with it, that prior's normalised matrix from
the profile's record (estimation.priors).
"""

import argparse
import json
import os

from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
# viridis at 0, .25, .5, .75, 1
RAMP = [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98),
        (253, 231, 37)]


def colour(v):
    v = min(max(v, 0.0), 1.0) * (len(RAMP) - 1)
    i = min(int(v), len(RAMP) - 2)
    f = v - i
    return tuple(round(a + (b - a) * f) for a, b in zip(RAMP[i], RAMP[i + 1]))


def font(size):
    try:
        return ImageFont.truetype(FONT, size)
    except OSError:
        return ImageFont.load_default()


def render(matrix, rows, cols, title, cell=(46, 26)):
    f, small = font(13), font(11)
    cw, ch = cell
    left = max(f.getlength(r) for r in rows) + 12
    top = max(f.getlength(c) for c in cols) + 12 + (22 if title else 0)
    width = int(left + cw * len(cols) + 8)
    height = int(top + ch * len(rows) + 8)
    img = Image.new("RGB", (width, height), "white")
    d = ImageDraw.Draw(img)
    if title:
        d.text((8, 4), title, fill="black", font=f)
    for j, name in enumerate(cols):
        # column names written upwards
        w = int(f.getlength(name)) + 2
        label = Image.new("RGB", (w, 16), "white")
        ImageDraw.Draw(label).text((0, 0), name, fill="black", font=f)
        label = label.rotate(90, expand=True)
        img.paste(label, (int(left + j * cw + (cw - 16) / 2),
                          int(top - 6 - w)))
    for i, name in enumerate(rows):
        y = top + i * ch
        d.text((left - 8 - f.getlength(name), y + (ch - 14) / 2), name,
               fill="black", font=f)
        best = max(range(len(cols)), key=lambda j: matrix[i][j])
        for j in range(len(cols)):
            v = matrix[i][j]
            x = left + j * cw
            d.rectangle([x, y, x + cw - 1, y + ch - 1], fill=colour(v))
            text = "%.2f" % v
            d.text((x + (cw - small.getlength(text)) / 2, y + (ch - 12) / 2),
                   text, font=small,
                   fill="black" if v > 0.55 else "white")
            if j == best:
                d.rectangle([x, y, x + cw - 1, y + ch - 1], outline="red",
                            width=2)
    return img


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("profile")
    p.add_argument("-o", "--output", required=True)
    p.add_argument("--prior", choices=("seg", "text", "vision"))
    p.add_argument("--title")
    args = p.parse_args()
    with open(args.profile) as fh:
        prof = json.load(fh)
    rows = [c["name"] for c in prof["classes"]["classes"]]
    cols = prof["source_model"]["classes"]
    if args.prior:
        priors = prof.get("estimation", {}).get("priors", {})
        if args.prior not in priors:
            raise SystemExit("%s: no %s prior in its record"
                             % (args.profile, args.prior))
        matrix = priors[args.prior]
    else:
        matrix = prof["affinity"]
    if len(matrix) != len(rows) or any(len(r) != len(cols) for r in matrix):
        raise SystemExit("%s: the matrix is not %d x %d"
                         % (args.profile, len(rows), len(cols)))
    img = render(matrix, rows, cols, args.title)
    tmp = args.output + ".tmp-%d.png" % os.getpid()
    img.save(tmp)
    os.replace(tmp, args.output)


if __name__ == "__main__":
    main()
