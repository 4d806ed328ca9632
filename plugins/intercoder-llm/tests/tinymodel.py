"""A tiny llama-architecture model written with the ``gguf`` package, for the real-server tests.

Random weights (a fixed seed), a "llama" (SentencePiece) tokenizer of 3 control tokens and the
256 byte tokens, 2 blocks of 64 dimensions: about 470 KB, loaded by llama.cpp in milliseconds.
It knows nothing, but with a grammar (the server's JSON-schema constrained output) everything it
says is valid JSON of the schema, so the whole pipeline runs against a real server offline.

The weights are random except for one thing: every token's embedding has a large constant first
component, so after the final norm the hidden state points the same way whatever the input, and
the first column of the output matrix becomes a fixed preference among the tokens the grammar
allows. The preferences (:data:`PREFERENCES`) make the model close lists at once (no quotes, an
empty multiple choice), open a string rather than write ``null``, and lean slightly towards
``yes`` and ``0``: at temperature 0 every answer is the same valid coding, and at temperature 1
the yes/no and 0/1 choices vary from run to run.
"""

from __future__ import annotations

from pathlib import Path

import gguf
import numpy as np

EMBED = 64
FEED_FORWARD = 128
BLOCKS = 2
HEADS = 4
CONTEXT = 8192
#: The constant first component of every embedding (dominates the hidden state).
ANCHOR = 1.0
#: Byte -> preference (times the normalised anchor, about 8, this is the logit).
PREFERENCES = {
    b"]": 3.0,
    b'"': 2.0,
    b"[": 1.5,
    b"y": 0.1,
    b"0": 0.05,
    b" ": -3.0,
    b"\n": -3.0,
    b"\t": -3.0,
}


#: The same, but opening a string rather than closing a list: every quote list gets a quote, and
#: the quote the grammar lets through (at least one character) is "]", which no test text holds.
QUOTING = {**PREFERENCES, b'"': 3.5}


def write_tiny_model(
    path: Path, seed: int = 0, preferences: dict[bytes, float] = PREFERENCES
) -> Path:
    """Write the model to ``path`` and return it."""
    rng = np.random.default_rng(seed)
    tokens = [b"<unk>", b"<s>", b"</s>"] + [f"<0x{i:02X}>".encode() for i in range(256)]
    types = [gguf.TokenType.UNKNOWN, gguf.TokenType.CONTROL, gguf.TokenType.CONTROL] + [
        gguf.TokenType.BYTE
    ] * 256
    vocab = len(tokens)

    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_name("intercoder-tiny")
    writer.add_context_length(CONTEXT)
    writer.add_embedding_length(EMBED)
    writer.add_block_count(BLOCKS)
    writer.add_feed_forward_length(FEED_FORWARD)
    writer.add_head_count(HEADS)
    writer.add_head_count_kv(HEADS)
    writer.add_rope_dimension_count(EMBED // HEADS)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)
    writer.add_tokenizer_model("llama")
    writer.add_token_list(tokens)
    writer.add_token_scores([0.0] * vocab)
    writer.add_token_types(types)
    writer.add_unk_token_id(0)
    writer.add_bos_token_id(1)
    writer.add_eos_token_id(2)

    def tensor(name: str, *shape: int) -> None:
        data = rng.normal(0.0, 0.02, size=shape).astype(np.float32)
        writer.add_tensor(name, data)

    def ones(name: str) -> None:
        writer.add_tensor(name, np.ones(EMBED, dtype=np.float32))

    embedding = rng.normal(0.0, 0.02, size=(vocab, EMBED)).astype(np.float32)
    embedding[:, 0] = ANCHOR
    writer.add_tensor("token_embd.weight", embedding)
    ones("output_norm.weight")
    output = rng.normal(0.0, 0.02, size=(vocab, EMBED)).astype(np.float32)
    output[:, 0] = 0.0
    for byte, preference in preferences.items():
        output[3 + byte[0], 0] = preference  # byte b is token 3 + b (after the 3 control tokens)
    writer.add_tensor("output.weight", output)
    for block in range(BLOCKS):
        ones(f"blk.{block}.attn_norm.weight")
        ones(f"blk.{block}.ffn_norm.weight")
        for part in ("q", "k", "v", "output"):
            tensor(f"blk.{block}.attn_{part}.weight", EMBED, EMBED)
        tensor(f"blk.{block}.ffn_gate.weight", FEED_FORWARD, EMBED)
        tensor(f"blk.{block}.ffn_up.weight", FEED_FORWARD, EMBED)
        tensor(f"blk.{block}.ffn_down.weight", EMBED, FEED_FORWARD)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path
