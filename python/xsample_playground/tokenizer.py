"""The app's word tokenizer (src/core/tokenizer.ts): id 0 pads, id 1 is <unk>."""
import unicodedata

PAD = 0
UNK = 1


def words(caption):
    """Lower-cased NFKC words: maximal runs of Unicode letters (L*) and numbers (N*), as /[^\\p{L}\\p{N}]+/u splits."""
    s = unicodedata.normalize("NFKC", caption.lower())
    out, cur = [], []
    for ch in s:
        if unicodedata.category(ch)[0] in "LN":
            cur.append(ch)
        elif cur:
            out.append("".join(cur))
            cur = []
    if cur:
        out.append("".join(cur))
    return out


def _utf16_key(w):
    # JavaScript compares strings by UTF-16 code units.
    return w.encode("utf-16-be")


class Tokenizer:
    def __init__(self, vocab):
        self.vocab = list(vocab)
        self.index = {w: i for i, w in enumerate(self.vocab)}

    @classmethod
    def from_captions(cls, captions, max_vocab=4096):
        counts = {}
        for c in captions:
            for w in words(c):
                counts[w] = counts.get(w, 0) + 1
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], _utf16_key(kv[0])))
        return cls(["<pad>", "<unk>"] + [w for w, _ in ranked[: max_vocab - 2]])

    @property
    def size(self):
        return len(self.vocab)

    def encode_one(self, caption, max_tokens):
        ids = [self.index.get(w, UNK) for w in words(caption)[:max_tokens]]
        return ids if ids else [UNK]

    def encode(self, captions, max_tokens):
        """(B, T) ids padded with PAD, as a list of lists."""
        out = []
        for c in captions:
            ids = self.encode_one(c, max_tokens)
            out.append(ids + [PAD] * (max_tokens - len(ids)))
        return out
