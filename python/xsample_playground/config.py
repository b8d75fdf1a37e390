"""The app's TrainConfig (src/core/config.ts): defaults, merging a partial config and the objective predicates."""
import copy
import json

OBJECTIVES = ("clip", "xsample", "siglip", "simclr", "xclip")

DEFAULT_MODEL = {
    "imageSize": 32,
    "patchSize": 4,
    "width": 64,
    "depth": 2,
    "heads": 4,
    "mlpRatio": 2,
    "projDim": 64,
    "textWidth": 64,
    "textDepth": 1,
    "maxTokens": 12,
}

DEFAULT_AUGMENT = {
    "minCropScale": 0.5,
    "flipProb": 0.5,
    "brightness": 0.2,
    "contrast": 0.2,
    "saturation": 0.2,
}

DEFAULT_CONFIG = {
    "objective": "xsample",
    "batchSize": 32,
    "steps": 300,
    "lr": 1e-3,
    "minLrRatio": 0.05,
    "warmupSteps": 20,
    "weightDecay": 0.05,
    "beta1": 0.9,
    "beta2": 0.98,
    "eps": 1e-6,
    "tau": 0.1,
    "tauS": 0.1,
    "graph": "encoder",
    "centreGraph": True,
    "seed": 0,
    "backend": "auto",
    "evalEvery": 50,
    "vizEvery": 25,
    "probeSize": 48,
    "model": DEFAULT_MODEL,
    "augment": DEFAULT_AUGMENT,
}


def with_defaults(partial=None):
    """withDefaults(): the defaults overridden by `partial` (model and augment merged key by key)."""
    partial = partial or {}
    cfg = copy.deepcopy(DEFAULT_CONFIG)
    for k, v in partial.items():
        if k in ("model", "augment"):
            cfg[k].update(v or {})
        else:
            cfg[k] = v
    return cfg


def load_config(path):
    """A config from the app: either an exported run's config.json ({"config": {...}, ...}) or a bare TrainConfig."""
    with open(path, encoding="utf-8") as f:
        obj = json.load(f)
    if isinstance(obj, dict) and isinstance(obj.get("config"), dict):
        obj = obj["config"]
    return with_defaults(obj)


def uses_text_tower(objective):
    return objective in ("clip", "siglip", "xclip")


def uses_graph(objective):
    return objective in ("xsample", "xclip")


def uses_two_views(objective):
    return objective in ("xsample", "simclr")
