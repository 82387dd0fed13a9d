#!/usr/bin/env python3
"""Reference sentence vectors for the embedding test, by a forward pass written independently of
reel's (numpy, float64, straight from the BERT paper and the sentence-transformers pooling):

    python3 -m pip install numpy safetensors tokenizers
    python3 bench/embedding_reference.py MODEL_DIR > tests/data/embedding/golden.json

tests/semantic.rs compares reel's vectors for the same sentences with these (cosine >= 0.9999).
"""
import json
import math
import sys

import numpy as np
from safetensors.numpy import load_file
from tokenizers import Tokenizer

SENTENCES = [
    "Heroin(e) follows three women fighting the opioid crisis in Huntington, West Virginia.",
    "drug court",
    "A fire chief, a judge and a street missionary.",
    "Ángel García habla del documental en Nueva York — «una obra maestra».",
    "Werner Herzog's 東京 film, naïvely reviewed: 5/5 ★★★★★",
    "the " * 400,  # longer than the model's 256 tokens: truncated
]


def layer_norm(x, w, b, eps):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w + b


def gelu(x):
    erf = np.vectorize(math.erf)
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


def forward(w, cfg, ids):
    g = lambda k: w[k].astype(np.float64)
    n = len(ids)
    h = g("embeddings.word_embeddings.weight")[ids]
    h = h + g("embeddings.position_embeddings.weight")[:n]
    h = h + g("embeddings.token_type_embeddings.weight")[0]
    eps = cfg["layer_norm_eps"]
    h = layer_norm(h, g("embeddings.LayerNorm.weight"), g("embeddings.LayerNorm.bias"), eps)
    heads = cfg["num_attention_heads"]
    d = cfg["hidden_size"] // heads
    for i in range(cfg["num_hidden_layers"]):
        p = f"encoder.layer.{i}."
        lin = lambda x, name: x @ g(p + name + ".weight").T + g(p + name + ".bias")
        q = lin(h, "attention.self.query").reshape(n, heads, d).transpose(1, 0, 2)
        k = lin(h, "attention.self.key").reshape(n, heads, d).transpose(1, 0, 2)
        v = lin(h, "attention.self.value").reshape(n, heads, d).transpose(1, 0, 2)
        scores = q @ k.transpose(0, 2, 1) / math.sqrt(d)
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        scores = scores / scores.sum(-1, keepdims=True)
        ctx = (scores @ v).transpose(1, 0, 2).reshape(n, heads * d)
        a = lin(ctx, "attention.output.dense")
        h = layer_norm(a + h, g(p + "attention.output.LayerNorm.weight"),
                       g(p + "attention.output.LayerNorm.bias"), eps)
        m = gelu(lin(h, "intermediate.dense"))
        o = lin(m, "output.dense")
        h = layer_norm(o + h, g(p + "output.LayerNorm.weight"), g(p + "output.LayerNorm.bias"), eps)
    v = h.mean(0)
    return v / np.linalg.norm(v)


def main():
    model = sys.argv[1]
    cfg = json.load(open(f"{model}/config.json"))
    max_len = json.load(open(f"{model}/sentence_bert_config.json"))["max_seq_length"]
    tok = Tokenizer.from_file(f"{model}/tokenizer.json")
    tok.no_padding()
    tok.enable_truncation(max_len)
    w = load_file(f"{model}/model.safetensors")
    out = []
    for s in SENTENCES:
        ids = tok.encode(s).ids
        vec = forward(w, cfg, np.array(ids))
        out.append({"text": s, "tokens": len(ids), "vector": [round(float(x), 7) for x in vec]})
    json.dump({"model": "all-MiniLM-L6-v2", "sentences": out}, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
