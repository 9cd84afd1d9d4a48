# qcc's tokenizer against the Hugging Face `tokenizers` package, token for
# token, on SmolLM2-135M-Instruct's embedded tokenizer (gpt2 BPE, pre-tokenizer
# "smollm", 49152 tokens, 48900 merges). The reference is built from the same
# GGUF arrays (test/lib/hf_gguf_tokenizer.py). Cases:
#  - 300 lines of English prose (Python's own documentation, pydoc_data,
#    which ships with every CPython) and a ~100 KB document of it;
#  - hard cases: digit runs, contractions, runs of spaces/newlines/tabs,
#    Unicode white space, accents (composed and combining), CJK, Hangul,
#    Cyrillic, Arabic, emoji sequences, 4-byte letters, code, chat markup
#    with special tokens, near-misses of special tokens, long runs;
#  - ill-formed UTF-8 (each ill-formed sequence becomes U+FFFD, compared with
#    the reference on Python's decode(errors="replace"));
#  - bytes the vocabulary lacks (dropped by both, qcc warns);
#  - 300 random strings over a mixed alphabet;
#  - the same with --parse-special=false (reference: encode_special_tokens),
#    --add-bos, and the "gpt2" pre-tokenizer (a tokenizer-only GGUF written
#    with pre "gpt2");
# and decodes every id list back: equal to the reference's decode and, where
# nothing was dropped, to the (sanitized) input.
#
# REQUIRES: gguf, smollm2, tokenizers
# RUN: %python %s %t

import os
import random
import sys

import gguf
import pydoc_data.topics

from hf_gguf_tokenizer import (build_hf_tokenizer, qcc_detokenize, qcc_tokenize,
                               read_gguf_tokenizer, smollm2_path)

work = sys.argv[1]
os.makedirs(work, exist_ok=True)
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


model = smollm2_path()
arrays = read_gguf_tokenizer(model)
check((arrays["model"], arrays["pre"], len(arrays["tokens"]), len(arrays["merges"]))
      == ("gpt2", "smollm", 49152, 48900),
      "SmolLM2 tokenizer: gpt2, smollm, 49152 tokens, 48900 merges")
hf = build_hf_tokenizer(arrays)

# -- cases -------------------------------------------------------------------
topics = pydoc_data.topics.topics
prose_lines = []
for key in sorted(topics):
    for line in topics[key].splitlines():
        if len(line.strip()) >= 40 and len(prose_lines) < 300:
            prose_lines.append(line)
document = ""
for key in sorted(topics):
    if len(document) >= 100_000:
        break
    document += topics[key]
document = document[:100_000]

hard = [
    # digits
    "12345678901234567890", "3.14159 and 2,718", "in 2024 there were 1,000,000 people",
    " 42", "  42", "x1y2z3", "v1.2.3-rc4", "٣٤٥ Arabic-Indic digits", "Ⅻ ½ ² ① numbers",
    "१२३ Devanagari", "0x7fff_ffff", "1e-10", "-273.15°C",
    # contractions
    "it's", "don't", "we're", "they've", "I'm", "we'll", "he'd", "IT'S DON'T WE'RE",
    "rock'n'roll", "''s", "'s'", " 's", "o'clock", "it’s typographic", "'ll've'd",
    "' s", "'", "''", "a'b", "'re're",
    # white space
    "a  b", "a   b", "   leading", "trailing   ", "\n\n\nx", "a\n\nb", "\t\ttabs\t",
    "a \n b", "  \n  ", " ", "\n", "\r\n windows\r\n", "a\u00a0b nbsp", "x\u3000y ideographic",
    "em\u2003space", "\u2028line\u2029para", "\x0b\x0c", "\u0085next", " \t \t x",
    "word \n\n  next", "end with space ",
    # non-ASCII
    "café naïve résumé", "e\u0301 combining acute", "Ünïcödé ÀÉÎÕÜ", "日本語のテキストです。",
    "中文字符测试，标点！", "한국어 텍스트", "Привет, мир!", "مرحبا بالعالم", "שלום עולם",
    "ελληνικά γράμματα", "emoji 😀👍🏽👨‍👩‍👧 🇫🇷 ❤️", "math ∑∫√∞ ≠ ≤ ±", "\u200bzero\u200bwidth",
    "\ufeffBOM", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝟙𝟚𝟛", "ǅungla ǈ titlecase", "ß ﬁ ligature", "Ωmega µ ſ",
    "tiếng Việt", "हिन्दी भाषा", "ภาษาไทย", "ქართული", "Ελλάδα 2024",
    # code
    "def f(x):\n    return x**2  # comment\n", "if (a != b) { return -1; }",
    '{"key": [1, 2.5, null], "k2": "v"}', "https://example.com/path?q=1&r=2#frag",
    "user.name+tag@example.co.uk", "C:\\Users\\name\\file.txt", "#include <stdio.h>\n",
    "a->b ++i --j <<= >>= ... ?? !!", "$PATH ~/dir *.txt",
    # special tokens
    "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n4<|im_end|>\n",
    "<|endoftext|>", "text<|im_end|>more", "<|im_start|><|im_end|>", "<|im_start",
    "< |im_start|>", "<|im_start|>|>", "<<|im_end|>>", "<repo_name>x<filename>y<gh_stars>5",
    "<|im_start|>system\nYou are a helpful AI assistant named SmolLM.<|im_end|>\n",
    "<jupyter_code>print(1)<jupyter_output>1<empty_output>", " <|im_end|> ",
    # long runs
    "a" * 1000, "ab" * 500, "\u00e9" * 300, "!" * 200, " " * 100, "\n" * 50,
    "9" * 100, "the " * 200, "😀" * 50, "\t" * 20 + "x",
    # empty
    "",
]

random.seed(1234)
alphabet = (list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
            + list(" " * 12 + "\n\n\t'''.,;:!?-_()[]{}<>|\"/\\@#$%^&*+=~`")
            + list("éàüßçñøåÆŒ") + list("日本語中文한국") + ["😀", "👍🏽", "\u00a0", "\u3000",
                                                        "\u0301", "½", "٣", "Ⅻ", "’"]
            + ["<|im_start|>", "<|im_end|>", "<|endoftext|>", "'s", "'re", "'ll"])
fuzz = ["".join(random.choice(alphabet) for _ in range(random.randint(1, 60)))
        for _ in range(300)]

ill_formed = [b"abc\xffdef", b"\xc3(", b"x\xe2\x82", b"\xf0\x9f\x98 broken emoji",
              b"\xed\xa0\x80 surrogate", b"\xc0\xaf overlong", b"\x80\x80\x80",
              b"ok\xe2\x82\xacok", b"trunc\xe2", b"\xf4\x90\x80\x80 too big",
              b"caf\xe9 latin-1", b"\xe2\x28\xa1", b"mix\xff\xfe \xef\xbf\xbd real U+FFFD"]
# Bytes SmolLM2's vocabulary has no token for (0x04, 0x06, 0x13, 0x14, 0x16,
# 0x1D, 0xC0, 0xC1, 0xF1, 0xF2, 0xF5..0xFF): dropped by both tokenizers.
missing = ["a\x04b\x06c", "\x13\x14\x16\x1d", "plane 4: \U00040000\U00080000 end",
           "!\x04!"]

cases = ([("prose", l) for l in prose_lines] + [("document", document)]
         + [("hard", t) for t in hard] + [("fuzz", t) for t in fuzz]
         + [("missing", t) for t in missing])
texts = [t.encode("utf-8") for _, t in cases] + ill_formed
kinds = [k for k, _ in cases] + ["ill-formed"] * len(ill_formed)
ref_texts = [t for _, t in cases] + [b.decode("utf-8", "replace") for b in ill_formed]


def compare(label, qcc_ids, ref_ids):
    by_kind = {}
    mismatches = []
    for kind, text, q, r in zip(kinds, ref_texts, qcc_ids, ref_ids):
        n, m = by_kind.get(kind, (0, 0))
        by_kind[kind] = (n + 1, m + (q == r))
        if q != r:
            mismatches.append((kind, text, q, r))
    for kind, (n, m) in by_kind.items():
        check(n == m, f"{label}: {kind}: {m}/{n} texts token-for-token equal")
    for kind, text, q, r in mismatches[:5]:
        print(f"  {kind} {text[:80]!r}\n    qcc: {q[:30]}\n    ref: {r[:30]}")
    tokens = sum(len(r) for r in ref_ids)
    same = sum(len(r) for q, r in zip(qcc_ids, ref_ids) if q == r)
    print(f"  {label}: {len(ref_ids)} texts, {tokens} reference tokens, "
          f"{same} in equal texts")


# -- encode: smollm ------------------------------------------------------------
qcc_ids, stderr = qcc_tokenize(model, os.path.join(work, "smollm"), texts,
                               extra=["--time"])
ref_ids = [hf.encode(t, add_special_tokens=False).ids for t in ref_texts]
compare("smollm", qcc_ids, ref_ids)
check("ill-formed UTF-8 sequence(s) replaced by U+FFFD" in stderr,
      "ill-formed input is reported")
check("byte(s) that no token spells were dropped" in stderr,
      "bytes the vocabulary lacks are reported")
for line in stderr.splitlines():
    if "encode:" in line and "document" not in line and "100000 bytes" in line:
        print("  " + line)

# -- decode ----------------------------------------------------------------------
decoded = qcc_detokenize(model, os.path.join(work, "smollm"), qcc_ids)
ref_decoded = [hf.decode(ids, skip_special_tokens=False) for ids in qcc_ids]
check(all(d.decode("utf-8", "replace") == r for d, r in zip(decoded, ref_decoded)),
      f"decode: {len(decoded)} id lists equal the reference's text")
round_trip = [(d, t) for d, t, k in zip(decoded, ref_texts, kinds) if k != "missing"]
check(all(d == t.encode("utf-8") for d, t in round_trip),
      f"decode(encode(text)) == text for {len(round_trip)} texts "
      "(ill-formed ones as U+FFFD)")
bad = [(t, d) for d, t in round_trip if d != t.encode("utf-8")]
for t, d in bad[:3]:
    print(f"  {t[:60]!r} -> {d[:60]!r}")

chat = [i for i, k in enumerate(kinds) if k == "hard" and "<|im_" in ref_texts[i]]
skipped = qcc_detokenize(model, os.path.join(work, "skip"), [qcc_ids[i] for i in chat],
                         extra=["--skip-special"])
check([s.decode("utf-8", "replace") for s in skipped]
      == [hf.decode(qcc_ids[i], skip_special_tokens=True) for i in chat],
      f"decode --skip-special: {len(chat)} chat texts equal the reference's")

# -- --parse-special=false, --add-bos -------------------------------------------
special_texts = [t for k, t in zip(kinds, ref_texts) if k in ("hard", "fuzz")
                 and ("<|" in t or "<repo" in t or "<jupyter" in t)]
plain, _ = qcc_tokenize(model, os.path.join(work, "plain"),
                        [t.encode() for t in special_texts], extra=["--parse-special=false"])
hf.encode_special_tokens = True
ref_plain = [hf.encode(t, add_special_tokens=False).ids for t in special_texts]
hf.encode_special_tokens = False
check(plain == ref_plain,
      f"--parse-special=false: {len(special_texts)} texts equal the reference's "
      "(encode_special_tokens)")
check(all(1 not in ids and 2 not in ids for ids in plain),
      "--parse-special=false: no control token ids")

bos_cases = ["Hello", "", "<|im_start|>user\nhi<|im_end|>"]
with_bos, _ = qcc_tokenize(model, os.path.join(work, "bos"),
                           [t.encode() for t in bos_cases], extra=["--add-bos"])
check(with_bos == [[arrays["bos"]] + hf.encode(t).ids for t in bos_cases],
      "--add-bos: BOS (id 1) first, then the reference's ids")

# -- pre-tokenizer gpt2 ------------------------------------------------------------
gpt2_model = os.path.join(work, "gpt2-pre.gguf")
w = gguf.GGUFWriter(gpt2_model, arch="llama")
w.add_tokenizer_model("gpt2")
w.add_tokenizer_pre("gpt2")
w.add_token_list(arrays["tokens"])
w.add_token_types(arrays["types"])
w.add_token_merges(arrays["merges"])
w.add_bos_token_id(arrays["bos"])
w.add_eos_token_id(arrays["eos"])
w.write_header_to_file()
w.write_kv_data_to_file()
w.write_tensors_to_file()
w.close()
gpt2_arrays = dict(arrays, pre="gpt2")
check(read_gguf_tokenizer(gpt2_model)["pre"] == "gpt2", "gpt2-pre.gguf written")
hf_gpt2 = build_hf_tokenizer(gpt2_arrays)
qcc_gpt2, _ = qcc_tokenize(gpt2_model, os.path.join(work, "gpt2"), texts)
compare("gpt2", qcc_gpt2, [hf_gpt2.encode(t, add_special_tokens=False).ids
                           for t in ref_texts])
check(qcc_gpt2 != qcc_ids, "gpt2 and smollm pre-tokenizers differ on these texts")

if failures:
    sys.exit(f"{len(failures)} check(s) failed")
print("all tokenizer checks passed")
