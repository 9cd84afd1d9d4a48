"""Writes a tiny random BERT checkpoint (model.safetensors + config.json)
into a folder, valid or broken in one named way, for the safetensors
frontend's tests: make_bert.py VARIANT DIR."""

import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "lib"))
from bert_testing import tiny_bert, write_safetensors  # noqa: E402


def main():
    variant, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    config, w = tiny_bert()
    dtypes = {}
    config_text = None
    if variant == "tiny":
        pass
    elif variant == "prefixed":
        w = {"bert." + k: v for k, v in w.items()}
        w["cls.predictions.bias"] = np.zeros(config["vocab_size"], np.float32)
        config["architectures"] = ["BertForMaskedLM"]
        del config["model_type"]
    elif variant == "f16":
        w = {k: v.astype(np.float16) for k, v in w.items()}
        config["hidden_act"] = "gelu_new"
    elif variant == "missing-key":
        del config["hidden_size"]
    elif variant == "string-key":
        config["num_attention_heads"] = "4"
    elif variant == "float-key":
        config["intermediate_size"] = 64.5
    elif variant == "zero-key":
        config["num_hidden_layers"] = 0
    elif variant == "heads":
        config["num_attention_heads"] = 5
    elif variant == "llama":
        config["model_type"] = "llama"
    elif variant == "gpt2-arch":
        del config["model_type"]
        config["architectures"] = ["GPT2LMHeadModel"]
    elif variant == "no-arch":
        del config["model_type"]
        del config["architectures"]
    elif variant == "shape":
        config["intermediate_size"] = 48
    elif variant == "missing-tensor":
        del w["encoder.layer.1.output.LayerNorm.bias"]
    elif variant == "extra-layer":
        config["num_hidden_layers"] = 1
    elif variant == "act":
        config["hidden_act"] = "relu"
    elif variant == "pos-type":
        config["position_embedding_type"] = "relative_key"
    elif variant == "eps":
        config["layer_norm_eps"] = "small"
    elif variant == "bad-json":
        config_text = '{"model_type": "bert", "hidden_size": 32,'
    elif variant == "not-object":
        config_text = "[1, 2, 3]"
    elif variant == "int-tensor":
        w["embeddings.word_embeddings.weight"] = (
            w["embeddings.word_embeddings.weight"] * 100).astype(np.int64)
    elif variant == "no-config":
        config_text = ""
    else:
        sys.exit(f"unknown variant {variant}")
    write_safetensors(os.path.join(out, "model.safetensors"), w, dtypes)
    path = os.path.join(out, "config.json")
    if config_text == "":
        if os.path.exists(path):
            os.remove(path)
        return
    with open(path, "w") as f:
        f.write(config_text if config_text is not None else json.dumps(config, indent=2))


if __name__ == "__main__":
    main()
