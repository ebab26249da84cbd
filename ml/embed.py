"""Embed every row of mh7_train.csv + ml/everyday_messages.csv with the shipped ONNX model.

Runs models/mh7/mh7_fused_int8.onnx with onnxruntime (CPU) and the `tokenizers` package:
truncate to 256 tokens, pad to the longest sequence in the batch (pad id 0), feed only
`input_ids` and `attention_mask` (int64). Caches `sentence_embedding` [N,384] and
`probabilities` [N,7] to $MH7_CACHE (default /tmp/mh7_cache), keyed by the model hash and
the texts, so later scripts reuse it.

Batch size defaults to 1 (one message at a time, as the app runs it). This matters: the
graph is dynamically quantized (DynamicQuantizeLinear computes one scale per tensor), so
padding rows in a batch changes the numbers slightly. `--compare-batched N` measures that.

Usage: /tmp/mlvenv/bin/python ml/embed.py [--batch-size 1] [--threads 1] [--compare-batched 0]
Deterministic: no randomness; onnxruntime CPU with a fixed thread count.
"""
from __future__ import annotations

import argparse
import hashlib
import sys
import time

import numpy as np

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent))
import common  # noqa: E402


def model_sha() -> str:
    return hashlib.sha256(common.ONNX_PATH.read_bytes()).hexdigest()[:16]


def make_session(threads: int):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    return ort.InferenceSession(str(common.ONNX_PATH), so, providers=["CPUExecutionProvider"])


def make_tokenizer():
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(common.TOKENIZER_PATH))
    tok.enable_truncation(max_length=256)
    tok.enable_padding(pad_id=0, pad_token="[PAD]")  # BatchLongest
    return tok


def run(texts: list[str], batch_size: int, threads: int, log_every: int = 500):
    sess, tok = make_session(threads), make_tokenizer()
    emb = np.zeros((len(texts), 384), dtype=np.float32)
    prob = np.zeros((len(texts), 7), dtype=np.float32)
    t0 = time.time()
    for start in range(0, len(texts), batch_size):
        enc = tok.encode_batch(texts[start:start + batch_size])
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
        e, p = sess.run(["sentence_embedding", "probabilities"], {"input_ids": ids, "attention_mask": mask})
        emb[start:start + len(enc)] = e
        prob[start:start + len(enc)] = p
        if log_every and (start // batch_size) % max(1, log_every // batch_size) == 0:
            print(f"  {start}/{len(texts)}  {time.time() - t0:.0f}s", file=sys.stderr)
    return emb, prob, time.time() - t0


def cache_path(texts: list[str], batch_size: int):
    return common.CACHE_DIR / f"emb_{model_sha()}_{common.texts_digest(texts)}_b{batch_size}.npz"


def load_or_embed(rows: list[dict], batch_size: int = 1, threads: int = 1):
    texts = [r["text"] for r in rows]
    path = cache_path(texts, batch_size)
    if path.exists():
        z = np.load(path)
        return z["emb"], z["prob"]
    print(f"embedding {len(texts)} texts (batch {batch_size}, {threads} thread(s)) -> {path}", file=sys.stderr)
    emb, prob, secs = run(texts, batch_size, threads)
    common.CACHE_DIR.mkdir(parents=True, exist_ok=True)
    np.savez(path, emb=emb, prob=prob, seconds=secs)
    print(f"done in {secs:.0f}s", file=sys.stderr)
    return emb, prob


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--batch-size", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--compare-batched", type=int, default=0,
                    help="also embed the first 256 rows with this batch size and report the max abs difference")
    a = ap.parse_args()
    rows = common.load_rows()
    emb, prob = load_or_embed(rows, a.batch_size, a.threads)
    norms = np.linalg.norm(emb, axis=1)
    print(f"rows {len(rows)}  embedding L2 norm min {norms.min():.6f} max {norms.max():.6f}")
    if a.compare_batched:
        sub = [r["text"] for r in rows[:256]]
        e2, p2, _ = run(sub, a.compare_batched, a.threads, log_every=0)
        print(f"batch {a.compare_batched} vs batch {a.batch_size} on first 256 rows: "
              f"max |d emb| {np.abs(e2 - emb[:256]).max():.2e}, max |d prob| {np.abs(p2 - prob[:256]).max():.2e}")


if __name__ == "__main__":
    main()
