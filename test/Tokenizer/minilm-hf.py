# qcc's WordPiece tokenizer (qcc-model-info --tokenize-lines on the
# all-MiniLM-L6-v2 safetensors file, with the tokenizer.json beside it)
# against the Hugging Face `tokenizers` package on the same tokenizer.json:
# 800 real sentences (gensim's Lee corpus) and hand-written hard cases
# (accents, CJK, punctuation, control characters, special tokens spelled in
# the text, words longer than 100 characters, words without a WordPiece
# cover), with tokenizer.json's truncation (128) and without; then the same
# through the package's vocab.txt.
#
# REQUIRES: minilm, tokenizers, gensim
# RUN: %python %s %t

import os
import subprocess
import sys

import bert_testing as bt
from qcc_testing import tool, workdir

work = workdir(sys.argv[1] if len(sys.argv) > 1 else None)
sentences = bt.lee_sentences("lee_background")[:800]
hard = [
    "Café déjà vu: naïve façade, Ångström, São Paulo, Zürich.",
    "ÀÉÎÕÜ ñ ç ß ø æ œ ğ ş ı İstanbul",
    "北京欢迎你 and 東京 mixed with English 日本語のテキスト",
    "한국어 문장입니다",
    "Hello,world!How's it going?(fine)[ok]{yes}<no>",
    "em—dash en–dash “quotes” ‘single’ … ¿qué? ¡sí!",
    "tabs\tand\x0bvertical\x0cfeeds\u00a0nbsp\u2003emspace",
    "control\x01chars\x7f and zero\u200bwidth \ufeffBOM",
    "[CLS] inside [SEP] text [MASK] and [UNK] [PAD]x[CLS]",
    "a" * 101 + " " + "b" * 100,
    "supercalifragilisticexpialidocious antidisestablishmentarianism",
    "∑∫√∞ ≠ ≤ ≥ ± × ÷ → ← ↑ ↓ ☃ ★ ♥ 🙂 🚀",
    "Ωmega ΣΙΓΜΑ σίγμα ς Привет МИР",
    "x" * 300,
    "",
    "   ",
    "1,234.56 $100 50% #hashtag @user e-mail@example.com http://qcc.dev/a?b=c",
]
# Longer than the truncation length.
hard.append(" ".join(sentences[:12]))
texts = sentences + hard
lines = os.path.join(work, "texts.txt")
with open(lines, "w", encoding="utf-8") as f:
    for t in texts:
        assert "\n" not in t and "\r" not in t
        f.write(t + "\n")

model = bt.minilm_safetensors()
failures = []


def qcc_ids(*extra):
    p = subprocess.run([tool("qcc-model-info"), model, "--tokenize-lines", lines, *extra],
                       capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"qcc-model-info failed: {p.stderr}")
    out = p.stdout.split("\n")[:-1]
    assert len(out) == len(texts), (len(out), len(texts))
    return [[int(x) for x in line.split()] for line in out]


def compare(label, got, max_length):
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(os.path.join(bt.minilm_dir(), "tokenizer.json"))
    tok.no_padding()
    if max_length:
        tok.enable_truncation(max_length)
    else:
        tok.no_truncation()
    want = [e.ids for e in tok.encode_batch(texts)]
    bad = [i for i in range(len(texts)) if got[i] != want[i]]
    tokens = sum(len(w) for w in want)
    print(f"{label}: {len(texts) - len(bad)}/{len(texts)} texts equal, {tokens} tokens")
    for i in bad[:5]:
        print(f"  differs: {texts[i][:60]!r}\n    qcc {got[i][:20]}\n    hf  {want[i][:20]}")
    if bad:
        failures.append(label)


compare("tokenizer.json, truncation 128", qcc_ids(), 128)
compare("tokenizer.json, no truncation", qcc_ids("--max-length=0"), 0)
compare("vocab.txt, no truncation",
        qcc_ids("--tokenizer", os.path.join(bt.minilm_dir(), "vocab.txt"), "--max-length=0"), 0)
if failures:
    sys.exit(f"FAIL: {failures}")
print("minilm-hf: PASS")
