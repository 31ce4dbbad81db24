#!/usr/bin/env python3
"""Converts scikit-learn's copy of the Breast Cancer Wisconsin (Diagnostic) data into datasets/breast_cancer.csv.

Source: /usr/lib/python3/dist-packages/sklearn/datasets/data/breast_cancer.csv from Debian's python3-sklearn
(apt-get install -y python3-sklearn). That file's first line is "569,30,malignant,benign" (counts and class
names), not a header; this script writes a proper header with scikit-learn's feature names (spaces replaced by
underscores) and keeps the target column as is: 0 = malignant, 1 = benign. Values are copied as text, unchanged.
Standard library only.
"""
import csv
import sys

SRC = "/usr/lib/python3/dist-packages/sklearn/datasets/data/breast_cancer.csv"
BASE = ["radius", "texture", "perimeter", "area", "smoothness", "compactness", "concavity",
        "concave_points", "symmetry", "fractal_dimension"]
NAMES = ["mean_" + b for b in BASE] + [b + "_error" for b in BASE] + ["worst_" + b for b in BASE]


def main(src=SRC, dst="datasets/breast_cancer.csv"):
    with open(src, newline="") as f:
        rows = list(csv.reader(f))
    n, d = int(rows[0][0]), int(rows[0][1])
    assert d == len(NAMES) and len(rows) == n + 1, (n, d, len(rows))
    with open(dst, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(NAMES + ["target"])
        for r in rows[1:]:
            assert len(r) == d + 1 and r[-1] in ("0", "1"), r
            w.writerow(r)


if __name__ == "__main__":
    main(*sys.argv[1:])
