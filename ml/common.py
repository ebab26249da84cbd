"""Shared helpers for the mh7 tooling (data loading, the held-out split rule, metrics).

Held-out rule (the Rust side recomputes it exactly):
    held_out(text) := SHA-256(text as UTF-8 bytes)[0] < 51      (51/256 ≈ 19.9 %)
`text` is the CSV field exactly as parsed (no trimming, no normalisation).
Everything here is deterministic; nothing uses a random generator.
"""
from __future__ import annotations

import csv
import hashlib
import os
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
MODEL_DIR = REPO / "models" / "mh7"
ONNX_PATH = MODEL_DIR / "mh7_fused_int8.onnx"
TOKENIZER_PATH = MODEL_DIR / "tokenizer.json"
LABELS_PATH = MODEL_DIR / "labels.json"
MH7_CSV = Path(os.environ.get("MH7_CSV", "/work/shared/ml/mh7_train.csv"))
EVERYDAY_CSV = REPO / "ml" / "everyday_messages.csv"
CACHE_DIR = Path(os.environ.get("MH7_CACHE", "/tmp/mh7_cache"))
RESULTS_DIR = REPO / "ml" / "results"

MH7_LABELS = ["Normal", "Depression", "Suicidal", "Anxiety", "Stress", "Bipolar", "Personality disorder"]
EVERYDAY = "Everyday"
SUICIDAL = 2
HELDOUT_BYTE_LIMIT = 51
KINDS = {"mh7": 0, "everyday": 1, "hard_negative": 2}


def is_heldout(text: str) -> bool:
    return hashlib.sha256(text.encode("utf-8")).digest()[0] < HELDOUT_BYTE_LIMIT


def load_rows() -> list[dict]:
    """All rows: mh7_train.csv in file order, then everyday_messages.csv in file order.

    Each row: text, label (str), kind ('mh7' | 'everyday' | 'hard_negative'), heldout (bool), source.
    """
    rows = []
    with open(MH7_CSV, encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            rows.append({"text": r["text"], "label": r["label"], "kind": "mh7", "source": r["source"]})
    with open(EVERYDAY_CSV, encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            assert r["label"] == EVERYDAY, r
            rows.append({"text": r["text"], "label": EVERYDAY, "kind": r["kind"], "source": "bloom_everyday"})
    for r in rows:
        assert r["kind"] in KINDS, r["kind"]
        r["heldout"] = is_heldout(r["text"])
    return rows


def texts_digest(texts: list[str]) -> str:
    h = hashlib.sha256()
    for t in texts:
        h.update(t.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()[:16]


def per_class_report(y_true: np.ndarray, y_pred: np.ndarray, labels: list[str]) -> dict:
    k = len(labels)
    cm = np.zeros((k, k), dtype=np.int64)
    for t, p in zip(y_true, y_pred):
        cm[t, p] += 1
    out = {"labels": labels, "confusion": cm.tolist(), "per_class": {}}
    f1s = []
    for i, name in enumerate(labels):
        tp = cm[i, i]
        support = int(cm[i].sum())
        predicted = int(cm[:, i].sum())
        p = tp / predicted if predicted else 0.0
        r = tp / support if support else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        out["per_class"][name] = {"precision": float(p), "recall": float(r), "f1": float(f), "support": support}
        if support:
            f1s.append(f)
    out["accuracy"] = float(np.trace(cm) / cm.sum()) if cm.sum() else 0.0
    out["macro_f1"] = float(np.mean(f1s)) if f1s else 0.0
    return out


def flag_report(p_suicidal: np.ndarray, threshold: float, rows: list[dict]) -> dict:
    """Suicide recall/precision on held-out mh7 rows and everyday flag rates."""
    flagged = p_suicidal >= threshold
    kind = np.array([r["kind"] for r in rows])
    held = np.array([r["heldout"] for r in rows])
    is_sui = np.array([r["label"] == "Suicidal" for r in rows])
    res = {"threshold": float(threshold)}
    for split_name, mask_split in (("heldout", held), ("train", ~held), ("all", np.ones_like(held))):
        m = (kind == "mh7") & mask_split
        tp = int((flagged & m & is_sui).sum())
        fn = int((~flagged & m & is_sui).sum())
        fp = int((flagged & m & ~is_sui).sum())
        res[f"suicide_{split_name}"] = {
            "recall": tp / (tp + fn) if tp + fn else 0.0,
            "precision": tp / (tp + fp) if tp + fp else 0.0,
            "tp": tp, "fn": fn, "fp": fp,
        }
        for name, km in (("everyday", kind == "everyday"), ("hard_negative", kind == "hard_negative"),
                         ("everyday_plus_hard", (kind == "everyday") | (kind == "hard_negative"))):
            mm = km & mask_split
            n = int(mm.sum())
            f = int((flagged & mm).sum())
            res[f"{name}_{split_name}"] = {"flagged": f, "n": n, "rate": f / n if n else 0.0}
    return res


def pct(x: float) -> str:
    return f"{100 * x:.1f} %"
