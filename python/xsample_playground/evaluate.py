"""The app's held-out evaluation (src/core/evaluate.ts, metrics.ts, probe.ts), with the same definitions:

- held-out loss: the objective on one fixed held-out batch (the first min(B, n) held-out images, at least 2) with
  fixed augmentations drawn from Rng(seed + 99);
- with labels (at least 2 classes): DINO's weighted k-NN (k = 20, votes exp(cos / 0.07)) of held-out images against
  training images (the first 2,000) and a linear probe (standardised features, multinomial logistic regression with
  L2 1e-3, full-batch Adam lr 0.05 for 150 steps from zeros), both on the pooled backbone features and on the
  projected, normalised embedding;
- with a text tower: image<->text retrieval over the held-out pairs (open_clip's recall@1/5/10, mean and median rank);
- graph rho: the mean Spearman correlation between each held-out image's learned similarities to the others and its
  caption-graph row (the first 300 held-out images).
At most 1,000 held-out images. Every function takes tensors; evaluate_run returns the app's EvalMetrics as a dict.
"""
import math

import torch

from .augment import plan_augment
from .config import uses_graph, uses_text_tower
from .optim import AdamW
from .rng import Rng

KNN_K = 20
KNN_TEMPERATURE = 0.07
LIMITS = {"heldOut": 1000, "memory": 2000, "graphRows": 300}
CHUNK = 128


def unit_rows(x):
    n = x.norm(dim=1, keepdim=True)
    return torch.where(n > 0, x / n.clamp_min(1e-30), torch.zeros_like(x))


def knn_accuracy(train, train_labels, test, test_labels, k=KNN_K, temperature=KNN_TEMPERATURE):
    """Top-1 of DINO's weighted k-NN on unit rows; rows labelled -1 are ignored (metrics.ts knnAccuracy)."""
    keep = train_labels >= 0
    train, train_labels = train[keep].double(), train_labels[keep]
    kk = min(k, train.shape[0])
    labels = train_labels.tolist()
    correct = counted = 0
    for i in range(test.shape[0]):
        if int(test_labels[i]) < 0:
            continue
        sims = (train @ test[i].double()).tolist()
        # Sorted by similarity, ties in training order (JavaScript's stable sort).
        order = sorted(range(len(sims)), key=lambda j: -sims[j])[:kk]
        votes = {}
        for j in order:
            lab = labels[j]
            votes[lab] = votes.get(lab, 0.0) + math.exp(sims[j] / temperature)
        best, best_vote = -1, -math.inf
        for lab, v in votes.items():  # first seen wins a tie, as the app's Map
            if v > best_vote:
                best, best_vote = lab, v
        counted += 1
        correct += int(best == int(test_labels[i]))
    return correct / counted if counted else math.nan


@torch.enable_grad()
def linear_probe(train, train_labels, test, test_labels, classes, steps=150, lr=0.05, l2=1e-3):
    """Top-1 of the app's linear probe (probe.ts): standardised features, softmax regression + L2, Adam from zeros."""
    keep_train = train_labels >= 0
    keep_test = test_labels >= 0
    if not bool(keep_train.any()) or not bool(keep_test.any()) or classes < 2:
        return math.nan
    x = train[keep_train].float().detach()
    y = train_labels[keep_train]
    xt = test[keep_test].float().detach()
    mean = x.mean(0)
    std = torch.sqrt(x.var(0, unbiased=False) + 1e-6)
    x, xt = (x - mean) / std, (xt - mean) / std
    W = torch.zeros(x.shape[1], classes, requires_grad=True)
    b = torch.zeros(classes, requires_grad=True)
    opt = AdamW([("W", W), ("b", b)], set(), 0.9, 0.999, 1e-8, 0)
    onehot = torch.nn.functional.one_hot(y, classes).float()
    for _ in range(steps):
        logits = x @ W + b
        loss = -(onehot * torch.log_softmax(logits, 1)).sum(1).mean() + (W * W).sum() * l2
        loss.backward()
        opt.step(lr)
        opt.zero_grad()
    with torch.no_grad():
        pred = (xt @ W + b).argmax(1)
    return int((pred == test_labels[keep_test]).sum()) / int(keep_test.sum())


def _rank_stats(ranks):
    n = len(ranks)
    s = sorted(ranks)
    median = s[(n - 1) // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2
    return {
        "r1": sum(r <= 1 for r in ranks) / n,
        "r5": sum(r <= 5 for r in ranks) / n,
        "r10": sum(r <= 10 for r in ranks) / n,
        "meanRank": sum(ranks) / n,
        "medianRank": math.floor(median - 1) + 1,
    }


def retrieval(images, texts):
    """Image<->text retrieval where row i of each side is a pair (metrics.ts retrieval): 1-based ranks."""
    sim = images.double() @ texts.double().t()
    own = sim.diagonal()
    eye = torch.eye(sim.shape[0], dtype=torch.bool)
    i2t = ((sim > own[:, None]) & ~eye).sum(1) + 1
    t2i = ((sim > own[None, :]) & ~eye).sum(0) + 1
    return {"imageToText": _rank_stats(i2t.tolist()), "textToImage": _rank_stats(t2i.tolist())}


def _ranks(v):
    """1-based ranks, ties given their average rank."""
    order = sorted(range(len(v)), key=lambda i: v[i])
    r = [0.0] * len(v)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and v[order[j + 1]] == v[order[i]]:
            j += 1
        for k in range(i, j + 1):
            r[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return r


def spearman(a, b):
    ra, rb = _ranks(a), _ranks(b)
    n = len(a)
    ma, mb = sum(ra) / n, sum(rb) / n
    num = sum((x - ma) * (y - mb) for x, y in zip(ra, rb))
    da = sum((x - ma) ** 2 for x in ra)
    db = sum((y - mb) ** 2 for y in rb)
    return num / math.sqrt(da * db) if da > 0 and db > 0 else 0.0


def graph_spearman(embeddings, graph):
    """Mean over images of Spearman(learned similarities to the others, graph row), self excluded."""
    n = embeddings.shape[0]
    # The app's similarities are float32 dot products: ranks are taken of float32 values.
    sim = (embeddings.float() @ embeddings.float().t()).tolist()
    g = graph.float().tolist()
    total, rows = 0.0, 0
    for i in range(n):
        a = [sim[i][j] for j in range(n) if j != i]
        b = [g[i][j] for j in range(n) if j != i]
        if len(a) < 2:
            continue
        total += spearman(a, b)
        rows += 1
    return total / rows if rows else math.nan


@torch.no_grad()
def embed_set(model, data, indices, device):
    """(unit embeddings, pooled features) of the images at `indices`, unaugmented, in chunks."""
    embs, feats = [], []
    for s in range(0, len(indices), CHUNK):
        pooled, emb = model.visual(data.images(indices[s:s + CHUNK]).to(device))
        feats.append(pooled.cpu())
        embs.append(emb.cpu())
    return torch.cat(embs), torch.cat(feats)


@torch.no_grad()
def embed_texts(model, tokenizer, captions, max_tokens, device):
    out = []
    for s in range(0, len(captions), CHUNK):
        out.append(model.text(torch.tensor(tokenizer.encode(captions[s:s + CHUNK], max_tokens), device=device)).cpu())
    return torch.cat(out)


@torch.no_grad()
def evaluate_run(model, cfg, data, train_idx, held_out_idx, graph, step, batch_loss, tokenizer=None, device="cpu", limits=LIMITS):
    """The app's EvalMetrics of a run at `step` as a dict (keys as metrics.json)."""
    held = list(held_out_idx[: limits["heldOut"]])
    emb, feat = embed_set(model, data, held, device)
    loss_idx = list(held_out_idx[: max(2, min(cfg["batchSize"], len(held_out_idx)))])
    rng = Rng(cfg["seed"] + 99)
    plans = [plan_augment(len(loss_idx), rng, cfg["augment"]) for _ in range(model.views)]
    ids = None
    if tokenizer is not None:
        ids = torch.tensor(tokenizer.encode([data.captions[i] for i in loss_idx], cfg["model"]["maxTokens"]), device=device)
    g = graph.batch(loss_idx).to(device) if graph is not None and uses_graph(cfg["objective"]) else None
    out = {"step": step, "heldOutLoss": float(batch_loss(model, cfg, data.images(loss_idx).to(device), plans, ids, g)), "graphSpearman": math.nan}
    g_rows = held[: limits["graphRows"]]
    if graph is not None:
        out["graphSpearman"] = graph_spearman(emb[: len(g_rows)], graph.batch(g_rows))
    classes = len(data.label_names) if data.label_names else (int(data.labels.max()) + 1 if data.labels is not None else 0)
    if data.labels is not None and classes >= 2:
        memory = list(train_idx[: limits["memory"]])
        m_emb, m_feat = embed_set(model, data, memory, device)
        tr_lab, te_lab = data.labels[memory], data.labels[held]
        out["knnTop1"] = knn_accuracy(unit_rows(m_feat), tr_lab, unit_rows(feat), te_lab)
        out["linearProbeTop1"] = linear_probe(m_feat, tr_lab, feat, te_lab, classes)
        out["knnTop1Projected"] = knn_accuracy(m_emb, tr_lab, emb, te_lab)
        out["linearProbeTop1Projected"] = linear_probe(m_emb, tr_lab, emb, te_lab, classes)
    if uses_text_tower(cfg["objective"]) and tokenizer is not None:
        texts = embed_texts(model, tokenizer, [data.captions[i] for i in held], cfg["model"]["maxTokens"], device)
        out["retrieval"] = retrieval(emb, texts)
    out["evaluated"] = len(held)
    return out
