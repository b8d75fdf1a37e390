"""The contrastive objectives (src/core/objectives.ts; definitions and test vectors in shared/spec/losses.md).
Every function takes L2-normalised embeddings, rows are anchors."""
import torch

SELF_MASK = -1e4  # added to the diagonal of learned logits (finite: 0 * inf is NaN)
TARGET_SELF_MASK = -1e9  # the diagonal of the target logits: exp() is exactly 0 even for tau_s near 0


def soft_cross_entropy(logits, targets):
    """Mean over rows of -sum_b targets_ab log softmax(logits_a)_b."""
    return -(targets * torch.log_softmax(logits, -1)).sum(-1).mean()


def clip_logits(x, y, log_scale):
    return (x @ y.t()) * torch.exp(log_scale)


def clip_loss(x, y, log_scale):
    logits = clip_logits(x, y, log_scale)
    eye = torch.eye(x.shape[0], dtype=x.dtype, device=x.device)
    return (soft_cross_entropy(logits, eye) + soft_cross_entropy(logits.t(), eye)) * 0.5


def x_sample_targets(graph, tau_s):
    n = graph.shape[0]
    eye = torch.eye(n, dtype=torch.bool, device=graph.device)
    scaled = torch.where(eye, torch.full_like(graph, TARGET_SELF_MASK), graph / tau_s)
    return torch.softmax(scaled, -1)


def x_sample_logits(z, tau):
    eye = torch.eye(z.shape[0], dtype=z.dtype, device=z.device)
    return (z @ z.t()) / tau + eye * SELF_MASK


def x_sample_loss(z, graph, tau, tau_s):
    """X-Sample (X-CLR): z (M, d) all views; graph (M, M) caption similarities (data, no gradient)."""
    return soft_cross_entropy(x_sample_logits(z, tau), x_sample_targets(graph.detach(), tau_s))


def two_view_graph(graph):
    return graph.repeat(2, 2)


def sim_clr_loss(z, tau):
    m = z.shape[0]
    b = m // 2
    positives = torch.cat([torch.arange(b, m), torch.arange(0, b)]).to(z.device)
    targets = torch.nn.functional.one_hot(positives, m).to(z.dtype)
    return soft_cross_entropy(x_sample_logits(z, tau), targets)


def x_clip_loss(x, y, log_scale, graph, tau_s):
    """Image-text X-Sample (this product's extension): CLIP logits, soft targets softmax_rows(G / tau_s) both ways."""
    logits = clip_logits(x, y, log_scale)
    targets = torch.softmax(graph.detach() / tau_s, -1)
    return (soft_cross_entropy(logits, targets) + soft_cross_entropy(logits.t(), targets)) * 0.5


def sig_lip_loss(x, y, log_scale, bias):
    """-(1/N) sum_ij log sigmoid(label_ij (t x_i.y_j + b)), label +1 on the diagonal, -1 elsewhere."""
    n = x.shape[0]
    logits = clip_logits(x, y, log_scale) + bias
    labels = torch.eye(n, dtype=x.dtype, device=x.device) * 2 - 1
    return torch.nn.functional.softplus(-(labels * logits)).sum() / n
